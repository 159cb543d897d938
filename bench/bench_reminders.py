"""The reminder and escalation sweep (workflows.reminders.reminders_sweep) over
100,000 open human tasks, next to a naive per-task loop making the same decisions.

Set-up (not timed), with INSERT ... SELECT generate_series: one viewflow
process, one housing case (cases_case only: the sweep reads nothing else of
it) and one open human task with its TaskDeadline per g, spread over the 26
Sóc Sơn communes. Per ten tasks: 4 "prepare" (commune officer), 3 "verify"
(commune leader), 2 "review" (district specialist), 1 "approve" (office
head); one in five is claimed by a holder of its role, the rest wait in the
role's queue. Due dates run from 25 days before today to 15 days after, so
every threshold (before, due, overdue, escalated) fires for some tasks. Role
holders, through role_grant: one officer and one leader per commune, one
specialist, two office heads.

Measured (wall seconds, queries counted with CaptureQueriesContext):
the sweep on no task (warms the caches), at BENCH_SMALL (10,000) tasks the
first sweep and a second one (which must send nothing), then the same at
BENCH_TASKS (100,000) tasks, with the reminders and notifications of the
small run cleared. The query count must not grow with the number of tasks.

Baseline, same run, same tasks: a naive loop that, per task and in its own
transaction, reads the task (with deadline and owner) and its case, compares
the due date with the same threshold windows, checks ReminderSent, inserts it,
looks up the recipients and inserts their notifications. It runs over a
sample of BENCH_NAIVE_SAMPLE (2,000) tasks spread evenly over the 100,000
(0: all of them), after the sweep's rows for those tasks were saved and
deleted, then once more (which must write nothing); what it wrote is checked
to equal what the sweep wrote for those tasks, row for row.
Its time and queries for all the tasks are extrapolated from the sample and
labelled so.

    make bench
    BENCH_TASKS=20000 BENCH_SMALL=2000 DJANGO_SETTINGS_MODULE=config.settings PYTHONPATH=. \\
        .venv/bin/python bench/bench_reminders.py
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/bench_x.py` without PYTHONPATH=.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    counting,
    env_int,
    environment_line,
    insert_series,
    reset_sequence,
    seed_registry,
    table,
    throwaway_database,
)

TASKS = env_int("BENCH_TASKS", 100_000)
SMALL = env_int("BENCH_SMALL", 10_000)
NAIVE_SAMPLE = env_int("BENCH_NAIVE_SAMPLE", 2_000)
# The smoke run of tests/bench/test_bench_smoke.py: every knob above, tiny,
# and the lines (regular expressions) its output must contain.
SMOKE_ENV = {"BENCH_TASKS": 100, "BENCH_SMALL": 50, "BENCH_NAIVE_SAMPLE": 20}
SMOKE_LINES = [
    r"^sweep, first +100 +\d+\.\d{3} +\d+ ",
    r"^naive loop, first +\d+ +\d+\.\d{3} +\d+ ",
    r"independent of the number of tasks$",
]
# (node of HousingFlow, case state it waits in, role, tasks per ten)
STEPS = [
    ("prepare", "draft", "commune_officer", 4),
    ("verify", "submitted", "commune_leader", 3),
    ("review", "commune_verified", "district_specialist", 2),
    ("approve", "district_reviewed", "office_head", 1),
]
DUE_FROM, DUE_SPAN = -25, 41  # due dates: today - 25 ... today + 15


# --- set-up --------------------------------------------------------------------


@dataclass
class World:
    communes: list[int]
    officers: list[int]  # per commune, same order
    leaders: list[int]
    specialist: int
    heads: list[int]
    applicant: int


def make_world() -> World:
    """Registry, role holders (through role_grant, as in production), one applicant."""
    from bench.common import BIRTH, national_id
    from cases.models import Category, Person
    from workflows.permissions import Role
    from workflows.services import role_grant

    def grant(username: str, role: str, codes: list[str]) -> int:
        user = role_grant(
            actor=None,
            username=username,
            role=role,
            commune_codes=codes,
            password="bench-pw-123",
            full_name=f"Bench {username}",
        )
        return int(user.pk)

    units = seed_registry()
    codes = sorted(units)
    officers = [grant(f"officer_{c}", Role.COMMUNE_OFFICER, [c]) for c in codes]
    leaders = [grant(f"leader_{c}", Role.COMMUNE_LEADER, [c]) for c in codes]
    specialist = grant("specialist", Role.DISTRICT_SPECIALIST, [])
    heads = [grant(f"head{i}", Role.OFFICE_HEAD, []) for i in (1, 2)]
    applicant = Person.objects.create(
        full_name="Nguyễn Văn Bench",
        date_of_birth=BIRTH,
        sex="M",
        national_id=national_id(1),
        commune=units[codes[0]],
        categories=[Category.MERIT],
    )
    return World([units[c].pk for c in codes], officers, leaders, specialist, heads, applicant.pk)


def _pick(column: str) -> str:
    """SQL choosing, per g, the value of `column` of the task's step."""
    whens = []
    upto = 0
    for step in STEPS:
        upto += step[3]
        whens.append(f"WHEN mod(g, 10) < {upto} THEN %({column}_{step[0]})s")
    return "CASE " + " ".join(whens) + " END"


def add_tasks(world: World, first: int, n: int, today: dt.date) -> None:
    """Tasks first .. first + n - 1: process, case, open task, deadline (ids = g)."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from cases.housing.flow import HousingFlow
    from cases.models import AdministrativeUnit, Case
    from workflows.models import TaskDeadline
    from workflows.permissions import role_permission

    flow_task_field = Task._meta.get_field("flow_task")
    params: dict[str, Any] = {
        "communes": world.communes,
        "officers": world.officers,
        "leaders": world.leaders,
        "specialist": world.specialist,
        "head": world.heads[0],
        "applicant": world.applicant,
        "today": today,
        "flow_class": Process._meta.get_field("flow_class").get_prep_value(HousingFlow),
        "case_ct": ContentType.objects.get_for_model(Case).pk,
        "unit_ct": ContentType.objects.get_for_model(AdministrativeUnit).pk,
        "new": str(STATUS.NEW),
        "assigned": str(STATUS.ASSIGNED),
    }
    for node, state, role, _share in STEPS:
        params[f"flow_task_{node}"] = flow_task_field.get_prep_value(getattr(HousingFlow, node))
        params[f"state_{node}"] = state
        params[f"perm_{node}"] = role_permission(role)
        params[f"step_{node}"] = node
    commune_index = "1 + mod(g, 26)"
    commune = f"(%(communes)s::bigint[])[{commune_index}]"
    # One in five claimed, by the role's holder in that commune (or the district's).
    owner = (
        "CASE WHEN mod(g / 10, 5) <> 0 THEN NULL"
        f" WHEN mod(g, 10) < 4 THEN (%(officers)s::bigint[])[{commune_index}]"
        f" WHEN mod(g, 10) < 7 THEN (%(leaders)s::bigint[])[{commune_index}]"
        " WHEN mod(g, 10) < 9 THEN %(specialist)s ELSE %(head)s END"
    )
    due_on = f"%(today)s::date + ({DUE_FROM} + mod(g * 7919, {DUE_SPAN}))"
    insert_series(
        Process,
        n,
        {
            "id": "g",
            "flow_class": "%(flow_class)s",
            "status": "%(new)s",
            "created": "now()",
            "artifact_content_type_id": "%(case_ct)s",
            "artifact_object_id": "g",
        },
        params,
        start=first,
    )
    insert_series(
        Case,
        n,
        {
            "id": "g",
            "reference": "'HT-' || lpad(g::text, 7, '0')",
            "process": "'housing'",
            "commune_id": commune,
            "applicant_id": "%(applicant)s",
            "state": _pick("state"),
            "flow_process_id": "g",
            "created_by_id": "(%(officers)s::bigint[])[1]",
            "created_at": "now()",
            "updated_at": "now()",
        },
        params,
        start=first,
    )
    insert_series(
        Task,
        n,
        {
            "id": "g",
            "flow_task": _pick("flow_task"),
            "flow_task_type": "'HUMAN'",
            "status": f"CASE WHEN ({owner}) IS NULL THEN %(new)s ELSE %(assigned)s END",
            "created": "now()",
            "assigned": f"CASE WHEN ({owner}) IS NULL THEN NULL ELSE now() END",
            "owner_id": owner,
            "owner_permission": _pick("perm"),
            "owner_permission_content_type_id": "%(unit_ct)s",
            # viewflow stores the commune for district steps too (obj=_commune)
            "owner_permission_obj_pk": f"{commune}::text",
            "process_id": "g",
        },
        params,
        start=first,
    )
    insert_series(
        TaskDeadline,
        n,
        {
            "id": "g",
            "task_id": "g",
            "process": "'housing'",
            "step": _pick("step"),
            "started_on": f"{due_on} - 14",
            "working_days": "10",
            "due_on": due_on,
        },
        params,
        start=first,
    )
    for model in (Process, Case, Task, TaskDeadline):
        reset_sequence(model)
    vacuum()


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # autocommit: fresh statistics and visibility map


def clear_reminders() -> None:
    from django.db import connection

    from notifications.models import Notification
    from workflows.models import ReminderSent

    with connection.cursor() as cur:
        cur.execute(
            f"TRUNCATE {ReminderSent._meta.db_table}, {Notification._meta.db_table} "
            "RESTART IDENTITY"
        )
    vacuum()


# --- measuring --------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    queries: int
    captured: int | None
    counts: dict[str, int]


def measure(fn: Callable[[], dict[str, int]]) -> Measured:
    """Wall time and queries of `fn`: statements through cursor.execute (an execute
    wrapper) and what CaptureQueriesContext lists, which also has the BEGIN and
    COMMIT of each transaction but keeps only the last 9,000 entries (None then)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # so that a full log means "capped"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Limit for query logging exceeded")
        with CaptureQueriesContext(connection) as ctx, counting() as counter:
            t0 = time.perf_counter()
            counts = fn()
            seconds = time.perf_counter() - t0
        capped = len(connection.queries_log) >= (connection.queries_log.maxlen or 0)
        captured = None if capped else len(ctx)
    return Measured(seconds, counter.count, captured, counts)


def sweep(today: dt.date) -> Measured:
    from workflows.reminders import reminders_sweep

    return measure(lambda: reminders_sweep(today=today))


# --- the naive baseline ----------------------------------------------------------


def naive_loop(task_ids: list[int], today: dt.date) -> dict[str, int]:
    """Per task, in its own transaction: read it, decide each threshold, check the
    ReminderSent row, insert it, find the recipients, insert their notifications.

    The threshold windows are the sweep's (threshold_windows over one calendar
    read): the comparison is about the per-task loop, not the calendar.
    """
    from django.conf import settings
    from django.db import transaction
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext
    from viewflow.workflow.models import Task

    from cases.models import Case
    from notifications.services import notifications_enqueue
    from workflows.calendar import MARGIN, WorkingCalendar
    from workflows.models import ReminderSent
    from workflows.permissions import COMMUNE_ROLES, Role, role_codename, users_with_role
    from workflows.reminders import EVENTS, OPEN_STATUSES, TITLES, threshold_windows

    before = int(getattr(settings, "REMINDER_WORKING_DAYS_BEFORE", 2))
    escalate_after = int(getattr(settings, "ESCALATE_AFTER_WORKING_DAYS", 2))
    reach = dt.timedelta(days=3 * max(before, escalate_after, 1)) + MARGIN
    calendar = WorkingCalendar.load(today - reach, today + reach)
    windows = threshold_windows(today, calendar, before, escalate_after)
    role_of = {role_codename(r): str(r) for r in Role}
    commune_codenames = {role_codename(r) for r in COMMUNE_ROLES}
    counts: Counter[str] = Counter()
    with translation.override(settings.LANGUAGE_CODE):
        titles = {t: gettext(TITLES[t]) for t in windows}
        for task_id in task_ids:
            with transaction.atomic():
                task = Task.objects.select_related("deadline", "owner").get(pk=task_id)
                if task.flow_task_type != "HUMAN" or task.status not in OPEN_STATUSES:
                    continue
                due_on = task.deadline.due_on  # type: ignore[attr-defined]
                case = Case.objects.get(flow_process_id=task.process_id)
                codename = (task.owner_permission or "").split(".", 1)[-1]
                commune_step = codename in commune_codenames
                for threshold, (after, until) in windows.items():
                    if not after < due_on <= until:
                        continue
                    if ReminderSent.objects.filter(task=task, threshold=threshold).exists():
                        continue
                    ReminderSent.objects.create(task=task, threshold=threshold)
                    counts[str(threshold)] += 1
                    escalation = threshold == ReminderSent.Threshold.ESCALATED
                    if not escalation and task.owner_id is not None:
                        owner = task.owner
                        recipients = [owner.pk] if owner is not None and owner.is_active else []
                    else:
                        role: str = role_of[codename]
                        if escalation:
                            role = Role.COMMUNE_LEADER if commune_step else Role.OFFICE_HEAD
                        commune = int(task.owner_permission_obj_pk or 0) if commune_step else None
                        recipients = list(
                            users_with_role(role, commune).values_list("pk", flat=True)
                        )
                    counts["notifications"] += notifications_enqueue(
                        recipients=recipients,
                        event=EVENTS[threshold],
                        title=titles[threshold]
                        % {"ref": case.reference, "date": due_on.strftime("%d/%m/%Y")},
                        url=reverse("case_detail", kwargs={"pk": case.pk}),
                        case_id=case.pk,
                        commune_id=case.commune_id,
                    )
    return dict(counts)


Written = tuple[Counter[tuple[Any, ...]], Counter[tuple[Any, ...]]]


def take_written(task_ids: list[int]) -> Written:
    """The reminder and notification rows written for these tasks; deleted after reading."""
    from notifications.models import Notification
    from workflows.models import ReminderSent

    reminders = ReminderSent.objects.filter(task_id__in=task_ids)
    cases = task_ids  # case id = process id = task id in this benchmark
    notes = Notification.objects.filter(case_id__in=cases)
    written = (
        Counter(reminders.values_list("task_id", "threshold")),
        Counter(
            notes.values_list("recipient_id", "case_id", "commune_id", "event", "title", "url")
        ),
    )
    reminders.delete()
    notes.delete()
    return written


# --- main ---------------------------------------------------------------------------


def run() -> None:
    from django.utils import timezone

    from notifications.models import Notification
    from workflows.models import ReminderSent

    today = timezone.localdate()
    print(environment_line())
    print(
        f"# BENCH_TASKS={TASKS}, BENCH_SMALL={SMALL}, BENCH_NAIVE_SAMPLE={NAIVE_SAMPLE}; "
        f"today {today:%d/%m/%Y} ({today:%A})"
    )
    t0 = time.perf_counter()
    world = make_world()
    warm = sweep(today)  # no task yet: warms the content-type and translation caches
    print(
        f"# set-up: registry and {len(world.communes) * 2 + 3} role holders in "
        f"{time.perf_counter() - t0:.1f} s"
    )

    rows: list[list[Any]] = [
        ["sweep, no task (warm-up)", 0, f"{warm.seconds:.3f}", warm.queries, warm.captured, 0, 0]
    ]

    def sweep_row(label: str, tasks: int, m: Measured) -> list[Any]:
        reminded = sum(v for k, v in m.counts.items() if k != "notifications")
        return [
            label,
            tasks,
            f"{m.seconds:.3f}",
            m.queries,
            m.captured,
            reminded,
            m.counts["notifications"],
        ]

    first_counts: dict[str, int] = {}
    queries: dict[int, tuple[int, int]] = {}
    for size, start in ((SMALL, 1), (TASKS, SMALL + 1)):
        t0 = time.perf_counter()
        add_tasks(world, start, size - start + 1, today)
        clear_reminders()
        print(f"# set-up: {size} open tasks in {time.perf_counter() - t0:.1f} s", flush=True)
        first = sweep(today)
        notes = Notification.objects.count()
        second = sweep(today)
        nothing = all(v == 0 for v in second.counts.values())
        same = Notification.objects.count() == notes == first.counts["notifications"]
        if not (nothing and same):
            raise SystemExit(f"the second sweep at {size} tasks wrote something: {second.counts}")
        print(f"# {size} tasks, first sweep: {first.counts}; second sweep: nothing new")
        rows.append(sweep_row("sweep, first", size, first))
        rows.append(sweep_row("sweep, second (nothing new)", size, second))
        queries[size] = (first.queries, second.queries)
        first_counts = dict(first.counts, reminder_rows=ReminderSent.objects.count())

    # The naive loop over an even sample of the same tasks, after taking back what
    # the sweep wrote for them; it must write the same rows.
    sample = TASKS if NAIVE_SAMPLE <= 0 else min(NAIVE_SAMPLE, TASKS)
    # A stride coprime with 10 and 41, so the sample mixes steps and due dates
    # as the whole does (every 10th task would all be "prepare").
    task_ids = sorted({1 + (i * 7919) % TASKS for i in range(sample)})
    by_sweep = take_written(task_ids)
    naive1 = measure(lambda: naive_loop(task_ids, today))
    naive2 = measure(lambda: naive_loop(task_ids, today))
    by_naive = take_written(task_ids)
    equal = by_sweep == by_naive
    print(
        f"# naive loop over {len(task_ids)} of the {TASKS} tasks (spread evenly): "
        f"{sum(by_naive[0].values())} reminders, {sum(by_naive[1].values())} notifications, "
        + ("the same rows as the sweep wrote for them" if equal else "DIFFERENT from the sweep")
        + f"; second pass: {naive2.counts or 'nothing new'}"
    )
    if not equal:
        only_sweep = (by_sweep[0] - by_naive[0], by_sweep[1] - by_naive[1])
        only_naive = (by_naive[0] - by_sweep[0], by_naive[1] - by_sweep[1])
        print(f"#   only the sweep: {list(only_sweep[0])[:5]} {list(only_sweep[1])[:5]}")
        print(f"#   only the naive loop: {list(only_naive[0])[:5]} {list(only_naive[1])[:5]}")
        raise SystemExit("the naive loop and the sweep disagree")

    def naive_row(label: str, m: Measured, counts: dict[str, int]) -> list[Any]:
        reminded = sum(v for k, v in counts.items() if k != "notifications")
        return [
            label,
            len(task_ids),
            f"{m.seconds:.3f}",
            m.queries,
            m.captured if m.captured is not None else "(> 9000)",
            reminded,
            counts.get("notifications", 0),
        ]

    rows.append(naive_row("naive loop, first", naive1, naive1.counts))
    rows.append(naive_row("naive loop, second (nothing new)", naive2, naive2.counts))
    if len(task_ids) < TASKS:
        scale = TASKS / len(task_ids)
        for label, m in (("first", naive1), ("second", naive2)):
            rows.append(
                [
                    f"naive loop, {label}: EXTRAPOLATED x{scale:g}",
                    TASKS,
                    f"~{m.seconds * scale:.0f}",
                    f"~{m.queries * scale:.0f}",
                    "",
                    "",
                    "",
                ]
            )

    print(
        f"\nReminder sweep, today {today:%d/%m/%Y}: seconds (wall) and queries (statements: "
        "an execute wrapper; CaptureQueriesContext also lists BEGIN and COMMIT)"
    )
    print(
        table(
            [
                "run",
                "open tasks",
                "seconds",
                "statements",
                "CaptureQueriesContext",
                "reminded",
                "notifications",
            ],
            rows,
        )
    )
    print(
        f"per threshold at {TASKS} tasks: "
        + ", ".join(f"{t} {first_counts[t]}" for t in ("before", "due", "overdue", "escalated"))
        + f"; ReminderSent rows after it: {first_counts['reminder_rows']}"
    )
    small, large = queries[SMALL], queries[TASKS]
    print(
        f"statements at {SMALL} vs {TASKS} tasks: first sweep {small[0]} vs {large[0]}, "
        f"second {small[1]} vs {large[1]}: "
        + ("independent of the number of tasks" if small == large else "THEY DIFFER")
    )
    print(
        "(naive loop: per task in its own transaction; time and queries for all tasks are\n"
        "extrapolated linearly from the sample, as labelled. reminded: tasks x thresholds)"
    )


def main() -> None:
    with throwaway_database("reminders"):
        run()


if __name__ == "__main__":
    main()
