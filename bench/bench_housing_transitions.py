"""Housing case through every step via the service layer, next to viewflow alone.

For each of BENCH_CASES cases (default 200) the seven happy-path transitions
(submit, verify, review, approve, disburse, accept_completion, disburse) run
through `workflows.engine.transition`, each timed and its queries counted.
In the same run, as many baseline cases take the same steps with viewflow
alone (bench/baseline_flow.py: raw state UPDATE + the task completion of
`workflows.flows.task_complete_for`, no checks, audit or outbox). Ours and
baseline cases alternate, so drift hits both alike. Target: our additions
cost at most 50% on top of the baseline.

A second pass (BENCH_PROFILE_CASES, default 20) wraps the engine's phases to
show where queries and time go (lock, permission scope, separation of
duties, form, cap lookup, documents, budget, one-stop register, audit,
outbox, viewflow, and the task deadline our flow writes when viewflow
creates a task, which the baseline's unregistered flow does not).

Before each transition the actor's commune scope is dropped and computed
again outside the timer, as a request does in CaseflowView.dispatch (or the
API's case lookup) before it calls the engine with the same user object; the
engine's role and commune check then runs inside the timer on that scope.
BENCH_FRESH_SCOPE=1 times the scope read (3 queries) inside the transition
instead. The phase profile always shows it. Timings are wall-clock in this
process (DEBUG off), the query count comes from a connection execute wrapper (like
CaptureQueriesContext it does not see the driver's BEGIN/COMMIT).

    make bench
    BENCH_CASES=50 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_housing_transitions.py
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench.common import (
    BIRTH,
    QueryCounter,
    counting,
    env_int,
    environment_line,
    make_users,
    median,
    overhead,
    p95,
    seed_registry,
    table,
    throwaway_database,
)

CASES = env_int("BENCH_CASES", 200)
WARMUP = env_int("BENCH_WARMUP", 5)
PROFILE_CASES = env_int("BENCH_PROFILE_CASES", 20)
FRESH_SCOPE = bool(env_int("BENCH_FRESH_SCOPE", 0))
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# the lines (regular expressions) its output must contain, and must not.
SMOKE_ENV = {"BENCH_CASES": 2, "BENCH_WARMUP": 1, "BENCH_PROFILE_CASES": 1, "BENCH_FRESH_SCOPE": 0}
SMOKE_LINES = [
    r"^# baseline flow graph matches ",
    r"audit chain: verifies$",
    r"^all transitions +\d+\.\d\d +\d+\.\d\d +[\d.]+ +\d+\.\d\d +\d+\.\d\d +[\d.]+ +[+-]\d+%$",
    r"^overhead: [+-]\d+% time, [+-]\d+% queries",
    r"^viewflow task +",
]
SMOKE_ABSENT = [r"DIFFERS", r"BROKEN", r"^\(not wrapped"]  # a stale baseline or profile
TARGET_OVERHEAD = 50.0
COMMUNE = "00448"  # Phù Lỗ
_BASE_REF = itertools.count(1)


def steps() -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(label, transition, target state, actor attribute, data) along the happy path."""
    from django.utils import timezone

    today = timezone.localdate().isoformat()
    pay = {"amount": 40_000_000, "paid_on": today}
    return [
        ("submit", "submit", "submitted", "officer", {}),
        ("verify", "verify", "commune_verified", "leader", {}),
        ("review", "review", "district_reviewed", "specialist", {"assessed_amount": 80_000_000}),
        (
            "approve",
            "approve",
            "approved",
            "head",
            {
                "decision_number": "123/QĐ-UBND",
                "decision_date": today,
                "approved_amount": 80_000_000,
            },
        ),
        ("disburse (1st)", "disburse", "partially_disbursed", "accountant", pay),
        (
            "accept_completion",
            "accept_completion",
            "completion_accepted",
            "officer",
            {"accepted_on": today},
        ),
        ("disburse (final)", "disburse", "closed", "accountant", pay),
    ]


# --- set-up ------------------------------------------------------------------


_PEOPLE = itertools.count(2)


def another_person(model: Any) -> Any:
    """A new person like `model`, with a national ID of its own."""
    from bench.common import national_id
    from cases.models import Person

    return Person.objects.create(
        full_name=model.full_name,
        date_of_birth=model.date_of_birth,
        sex=model.sex,
        national_id=national_id(next(_PEOPLE)),
        commune=model.commune,
        categories=model.categories,
    )


def make_cases(n: int, users: Any, commune: Any, applicant: Any) -> tuple[list[Any], list[Any]]:
    """`n` draft cases of ours (service layer, documents attached) and `n` baseline ones,
    each for a person of its own (one open housing case per person): `applicant`
    is the model copied."""
    from bench import baseline_flow
    from cases.housing.models import HousingCase
    from cases.housing.services import housing_case_create
    from cases.models import Case, Document, DocumentRequirement

    kinds = list(
        DocumentRequirement.objects.filter(process=Case.Process.HOUSING, required=True)
        .values_list("kind", flat=True)
        .distinct()
    )
    ours = []
    for _ in range(n):
        ours.append(
            housing_case_create(
                actor=users.officer,
                commune=commune,
                applicant=another_person(applicant),
                program="nguoi_co_cong",
                kind="new_build",
                requested_amount=80_000_000,
                description="Nhà tạm (benchmark)",
            )
        )
    Document.objects.bulk_create(
        Document(
            case=c,
            kind=k,
            file=f"bench/{k}.pdf",
            original_name=f"{k}.pdf",
            content_type="application/pdf",
            size=1024,
            sha256="0" * 64,
            uploaded_by=users.officer,
        )
        for c in ours
        for k in kinds
    )
    base = []
    for _ in range(n):
        case = HousingCase.objects.create(
            reference=f"BASE-{next(_BASE_REF):06d}",
            process=Case.Process.HOUSING,
            commune=commune,
            applicant=another_person(applicant),
            created_by=users.officer,
            program="nguoi_co_cong",
            kind="new_build",
            requested_amount=80_000_000,
        )
        baseline_flow.start(case)
        base.append(case)
    return ours, base


# --- timed runs ---------------------------------------------------------------


@dataclasses.dataclass
class Series:
    ms: dict[str, list[float]] = dataclasses.field(default_factory=lambda: defaultdict(list))
    queries: dict[str, list[int]] = dataclasses.field(default_factory=lambda: defaultdict(list))

    def add(self, label: str, seconds: float, queries: int) -> None:
        self.ms[label].append(seconds * 1000)
        self.queries[label].append(queries)

    def pooled(self) -> tuple[list[float], list[int]]:
        ms = [v for vs in self.ms.values() for v in vs]
        qs = [v for vs in self.queries.values() for v in vs]
        return ms, qs


def run_ours(case: Any, users: Any, counter: QueryCounter, series: Series | None) -> None:
    from workflows import engine
    from workflows.permissions import forget_scope, scope_for

    for label, name, _target, who, data in steps():
        actor = getattr(users, who)
        forget_scope(actor)  # a new request...
        if not FRESH_SCOPE:
            scope_for(actor)  # ...whose view has read the scope already
        counter.reset()
        t0 = time.perf_counter()
        engine.transition(case, name, actor=actor, data=data)
        spent = time.perf_counter() - t0
        if series is not None:
            series.add(label, spent, counter.count)


def run_baseline(case: Any, users: Any, counter: QueryCounter, series: Series | None) -> None:
    from bench import baseline_flow

    for label, _name, target, who, _data in steps():
        actor = getattr(users, who)
        counter.reset()
        t0 = time.perf_counter()
        baseline_flow.step(case, target, actor)
        spent = time.perf_counter() - t0
        if series is not None:
            series.add(label, spent, counter.count)


def check_closed(cases: list[Any]) -> None:
    from cases.models import Case

    states = set(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("state", flat=True))
    assert states == {"closed"}, f"cases did not all reach closed: {states}"


# --- phase profile ------------------------------------------------------------

BODY = "engine rest (FSM, save, commit)"
LOCK = "lock (SELECT … FOR UPDATE)"
BASE_BODY = "raw UPDATE + commit"
PHASES = [
    LOCK,
    "permission scope (*)",
    "separation of duties",
    "form (data)",
    "document checklist",
    "cap lookup",
    "other checks",
    "budget / payment",
    "one-stop register",
    BODY,
    "audit append",
    "outbox",
    "viewflow task",
    "task deadline (onCreate)",
    BASE_BODY,
]


@dataclasses.dataclass
class Bucket:
    """Per phase: exclusive wall seconds, queries, and seconds spent in those queries."""

    seconds: dict[str, float] = dataclasses.field(default_factory=lambda: defaultdict(float))
    queries: dict[str, int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    db: dict[str, float] = dataclasses.field(default_factory=lambda: defaultdict(float))


class PhaseProfiler:
    """Exclusive wall time and queries per phase; phases nest (a stack)."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.bucket = Bucket()

    @contextmanager
    def phase(self, label: str) -> Iterator[None]:
        self.stack.append([label, time.perf_counter(), 0.0])
        try:
            yield
        finally:
            _label, t0, child = self.stack.pop()
            elapsed = time.perf_counter() - t0
            self.bucket.seconds[label] += elapsed - child
            if self.stack:
                self.stack[-1][2] += elapsed

    def wrap(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.phase(label):
                return fn(*args, **kwargs)

        return wrapper

    def on_query(self, sql: str, spent: float) -> None:
        if not self.stack:
            return
        label = self.stack[-1][0]
        if label == BODY and "FOR UPDATE" in sql:
            self.bucket.seconds[LOCK] += spent
            self.bucket.seconds[BODY] -= spent
            label = LOCK
        self.bucket.queries[label] += 1
        self.bucket.db[label] += spent


@contextmanager
def instrumented(prof: PhaseProfiler) -> Iterator[list[str]]:
    """Patch the engine's collaborators with phase wrappers; restore afterwards.

    Yields the phases that could not be wrapped (their cost stays in BODY).
    """
    from cases.housing import spec as housing
    from workflows import audit, engine, flows, onestop

    patches: list[tuple[Any, str, str]] = [
        (engine, "roles_for_case", "permission scope (*)"),
        (engine, "_check_separation", "separation of duties"),
        (engine, "clean_data", "form (data)"),
        (housing, "cap_for", "cap lookup"),
        (housing, "missing_documents", "document checklist"),
        (onestop, "register_on_transition", "one-stop register"),
        (audit, "record", "audit append"),
        (engine, "_notify_next", "outbox"),
        (flows, "task_complete_for", "viewflow task"),
        # Our hook on every new human task (HousingFlow's onCreate), inside viewflow's phase.
        (flows, "deadline_create_for_task", "task deadline (onCreate)"),
    ]
    saved: list[tuple[Any, str, Any]] = []
    skipped: list[str] = []
    for owner, attr, label in patches:
        if not hasattr(owner, attr):
            skipped.append(f"{owner.__name__}.{attr}")
            continue
        saved.append((owner, attr, getattr(owner, attr)))
        setattr(owner, attr, prof.wrap(getattr(owner, attr), label))
    transitions = housing.SPEC.transitions
    original_specs = dict(transitions)
    try:
        for name, t in original_specs.items():
            transitions[name] = dataclasses.replace(  # type: ignore[index]
                t,
                check=prof.wrap(t.check, "other checks") if t.check else None,
                apply=prof.wrap(t.apply, "budget / payment") if t.apply else None,
            )
    except TypeError:
        skipped.append("housing.SPEC.transitions (read-only)")
    try:
        yield skipped
    finally:
        for owner, attr, fn in saved:
            setattr(owner, attr, fn)
        try:
            transitions.update(original_specs)  # type: ignore[attr-defined]
        except (TypeError, AttributeError):
            pass


def profile(n: int, users: Any, commune: Any, applicant: Any) -> str:
    from bench import baseline_flow
    from workflows import engine
    from workflows.permissions import forget_scope

    ours, base = make_cases(n, users, commune, applicant)
    labels = [s[0] for s in steps()]
    per_step = {lb: Bucket() for lb in labels}
    baseline = Bucket()
    prof = PhaseProfiler()
    counter = QueryCounter(on_query=prof.on_query)
    with instrumented(prof) as skipped, counting(counter):
        for case_o, case_b in zip(ours, base, strict=True):
            for label, name, target, who, data in steps():
                actor = getattr(users, who)
                forget_scope(actor)
                prof.bucket = per_step[label]
                with prof.phase(BODY):
                    engine.transition(case_o, name, actor=actor, data=data)
                prof.bucket = baseline
                with prof.phase(BASE_BODY):
                    baseline_flow.step(case_b, target, actor)
    check_closed(ours + base)

    per_tr = n * len(labels)
    rows = []
    totals = [0.0] * (len(labels) + 6)
    for phase in PHASES:
        qs = [per_step[lb].queries.get(phase, 0) / n for lb in labels]
        ms = sum(per_step[lb].seconds.get(phase, 0.0) for lb in labels) * 1000 / per_tr
        db = sum(per_step[lb].db.get(phase, 0.0) for lb in labels) * 1000 / per_tr
        bq = baseline.queries.get(phase, 0) / per_tr
        bms = baseline.seconds.get(phase, 0.0) * 1000 / per_tr
        bdb = baseline.db.get(phase, 0.0) * 1000 / per_tr
        if not any(qs) and ms < 0.005 and not bq and bms < 0.005:
            continue
        values = [*qs, sum(qs) / len(qs), ms, db, bq, bms, bdb]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        rows.append([phase, *(f"{q:g}" for q in qs), *(f"{v:.2f}" for v in values[len(qs) :])])
    rows.append(
        [
            "total",
            *(f"{q:g}" for q in totals[: len(labels)]),
            *(f"{v:.2f}" for v in totals[len(labels) :]),
        ]
    )
    short = ["subm", "verif", "revw", "appr", "disb1", "accpt", "disb2"]
    out = table(
        [
            "phase (queries per step)",
            *short,
            "q/tr",
            "ms/tr",
            "in db",
            "base q/tr",
            "base ms",
            "in db",
        ],
        rows,
    )
    if skipped:
        out += "\n(not wrapped, counted in engine rest: " + ", ".join(skipped) + ")"
    return out


# --- main ---------------------------------------------------------------------


def run() -> None:
    from bench import baseline_flow
    from bench.common import national_id
    from cases.models import AdministrativeUnit, Category, Person

    print(environment_line())
    print(
        f"# BENCH_CASES={CASES} (+{WARMUP} warm-up), BENCH_PROFILE_CASES={PROFILE_CASES}, "
        f"BENCH_FRESH_SCOPE={int(FRESH_SCOPE)} (scope read "
        + ("inside" if FRESH_SCOPE else "before, outside")
        + " the timed transition)"
    )
    from cases.housing.flow import HousingFlow

    same_graph = baseline_flow.graph_signature(
        baseline_flow.BaselineHousingFlow
    ) == baseline_flow.graph_signature(HousingFlow)
    print(
        "# baseline flow graph "
        + ("matches cases.housing.flow.HousingFlow" if same_graph else "DIFFERS from HousingFlow!")
    )

    t0 = time.perf_counter()
    seed_registry()
    users = make_users(COMMUNE)
    commune = AdministrativeUnit.objects.get(level="commune", code=COMMUNE)
    applicant = Person.objects.create(
        full_name="Nguyễn Văn Bench",
        date_of_birth=BIRTH,
        sex="M",
        national_id=national_id(1),
        commune=commune,
        categories=[Category.MERIT, Category.POOR],
    )
    ours, base = make_cases(WARMUP + CASES, users, commune, applicant)
    print(f"# set-up: {2 * (WARMUP + CASES)} draft cases in {time.perf_counter() - t0:.1f} s")

    ours_series, base_series = Series(), Series()
    counter = QueryCounter()
    t0 = time.perf_counter()
    gc.collect()
    with counting(counter):
        for i, (case_o, case_b) in enumerate(zip(ours, base, strict=True)):
            warm = i >= WARMUP
            s_o = ours_series if warm else None
            s_b = base_series if warm else None
            if i % 2:
                run_baseline(case_b, users, counter, s_b)
                run_ours(case_o, users, counter, s_o)
            else:
                run_ours(case_o, users, counter, s_o)
                run_baseline(case_b, users, counter, s_b)
    check_closed(ours + base)
    from workflows.audit import verify

    print(f"# timed run: {time.perf_counter() - t0:.1f} s; all cases closed; audit chain: ", end="")
    print("verifies" if verify().ok else "BROKEN", end="\n\n")

    rows = []
    for label in ours_series.ms:
        o_ms, b_ms = ours_series.ms[label], base_series.ms[label]
        o_q, b_q = ours_series.queries[label], base_series.queries[label]
        rows.append(
            [
                label,
                f"{median(o_ms):.2f}",
                f"{p95(o_ms):.2f}",
                f"{median(o_q):g}",
                f"{median(b_ms):.2f}",
                f"{p95(b_ms):.2f}",
                f"{median(b_q):g}",
                overhead(median(o_ms), median(b_ms)),
            ]
        )
    o_ms, o_q = ours_series.pooled()
    b_ms, b_q = base_series.pooled()
    rows.append(
        [
            "all transitions",
            f"{median(o_ms):.2f}",
            f"{p95(o_ms):.2f}",
            f"{sum(o_q) / len(o_q):.2f}",
            f"{median(b_ms):.2f}",
            f"{p95(b_ms):.2f}",
            f"{sum(b_q) / len(b_q):.2f}",
            overhead(median(o_ms), median(b_ms)),
        ]
    )
    print(f"Per transition, {CASES} cases x 7 steps (ms: median and p95; queries: median)")
    print(
        table(
            ["step", "ours ms", "p95", "queries", "viewflow ms", "p95", "queries", "overhead"],
            rows,
        )
    )
    mean_o, mean_b = sum(o_ms) / len(o_ms), sum(b_ms) / len(b_ms)
    q_o, q_b = sum(o_q) / len(o_q), sum(b_q) / len(b_q)
    over = (mean_o - mean_b) / mean_b * 100
    print()
    print(f"ours:     {mean_o:6.2f} ms/transition (mean), {q_o:5.2f} queries/transition")
    print(f"baseline: {mean_b:6.2f} ms/transition (mean), {q_b:5.2f} queries/transition")
    print(
        f"overhead: {over:+.0f}% time, {(q_o - q_b) / q_b * 100:+.0f}% queries "
        f"(target <= +{TARGET_OVERHEAD:.0f}% time): "
        + ("MET" if over <= TARGET_OVERHEAD else "MISSED")
    )

    if PROFILE_CASES:
        print(
            f"\nWhere it goes ({PROFILE_CASES} more cases, phases wrapped; ms are exclusive, "
            "per transition, with wrapper overhead)"
        )
        print(profile(PROFILE_CASES, users, commune, applicant))
        print(
            "(*) the scope read: here inside every transition; in a request it is done once "
            "by the view before the engine runs"
            + ("" if FRESH_SCOPE else ", so the timed figures above leave it out")
            + "."
        )


def main() -> None:
    with throwaway_database("housing_transitions"):
        run()


if __name__ == "__main__":
    main()
