"""Demo monthly allowances (issue 14): the NCC and BTXH beneficiaries of Sóc
Sơn's communes (decided before 2024, written in bulk; the gift demo's people
first) and January–August 2024 replayed through the real payroll process at
its own dates, so that the lines paid for January–June 2024 add up to the
office's six-month report (NCC 52.5 bn, BTXH 51.5 bn: `demo_plan`), with:

- a late decision (08/03/2024) of each regime, through the decision dossier,
  paid with arrears in April's payroll;
- five deaths in April (the BTXH ones bring a funeral support in May);
- a martyr's relative moving from Phù Lỗ to Minh Trí
  (Minh Trí pays from May, Phù Lỗ up to April);
- a few February and May lines not collected, carried to the next month;
- July paid at the old rates: the new standards (NĐ 77/2024 for NCC
  2,789,000 đ, NĐ 76/2024 and Hà Nội's 500,000 đ for BTXH, effective
  01/7/2024) are entered on 16/07/2024, after July was paid, and August's
  payroll pays July's difference as arrears by itself;
- recuperation: the district's 2024 quota of 900 and 450 people sent in
  April–June 2024, through the recuperation lists' process;
- an open month: September 2024, generated (draft) in Minh Trí and not yet
  generated in Phù Lỗ, for the demo logins to take to closed.

Each payroll goes generate (commune officer, the 20th of the month before)
→ submit → review (district specialist) → approve (office head) → send
(accountant, before the 25th) → results (paid on the 5th, recorded on the
10th; lines not collected carried) → reconcile → close (office head, the
15th), the clock travelled to each date (time-machine) as the other demos
do. `codes` limits the demo to some communes (tests): the people and the
figures stay the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.utils import timezone

from cases.allowances import recuperation as recup
from cases.allowances import reference, services
from cases.allowances.demo_plan import (
    BTXH,
    H1,
    MINH_TRI,
    NCC,
    PHU_LO,
    TARGETS,
    Holder,
    PlanError,
    Special,
    analyze,
    analyze_month,
    entitlements_create,
    holders_make,
    plan_make,
    special_holders,
)
from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    AllowanceCategory,
    AllowanceStandard,
    CategoryRate,
    Entitlement,
    LineKind,
    LineState,
    OneOffRule,
    Payroll,
    PayrollLine,
    Recuperation,
    RecuperationList,
    RecuperationQuota,
    UnpaidReason,
)
from cases.allowances.rates import add_months, province_of
from cases.models import AdministrativeUnit, Person
from cases.selectors import missing_documents
from cases.services import document_upload
from notifications.models import Notification
from workflows.engine import transition

D = dt.date
LN = LineState
MONTHS = [D(2024, m, 1) for m in range(1, 9)]
OPEN_MONTH = D(2024, 9, 1)
NEW_RATES_FROM = D(2024, 7, 1)
RATES_ENTERED = D(2024, 7, 16)
RECUPERATION_QUOTA = 900
RECUPERATION_SENT = 450
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@contextmanager
def _at(day: dt.date, hour: int = 9, minute: int = 0) -> Iterator[None]:
    """Replay what follows at that office time."""
    import time_machine

    tz = timezone.get_current_timezone()
    when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
    with time_machine.travel(when, tick=False):
        yield


def _spread(total: int, n: int) -> list[int]:
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


# --- the rates as the office had them ---------------------------------------------------


def rates_as_in_2023() -> None:
    """The rate tables as they stood before 2024: the rows in force by then
    entered in December 2023 (their `updated_at`), the rows from 01/7/2024
    not entered yet (deleted here; `reference.seed` enters them again on
    16/07/2024, after July was paid)."""
    entered = dt.datetime.combine(
        D(2023, 12, 1), dt.time(8), tzinfo=timezone.get_current_timezone()
    )
    for model in (AllowanceStandard, CategoryRate, OneOffRule):
        model.objects.filter(effective_from__lt=NEW_RATES_FROM, updated_at__gt=entered).update(
            updated_at=entered
        )
    AllowanceStandard.objects.filter(effective_from=NEW_RATES_FROM).delete()
    CategoryRate.objects.filter(effective_from=NEW_RATES_FROM).delete()


# --- one month of payroll ---------------------------------------------------------------


def _results(payroll: Payroll, staff: SimpleNamespace, unpaid: dict[int, str]) -> None:
    ids = payroll_lines(payroll).filter(state=LN.SENT).values_list("pk", flat=True)
    paid_on = payroll.month.replace(day=5)
    services.payroll_results_record(
        actor=staff.accountant,
        payroll=payroll,
        paid={i: paid_on for i in ids if i not in unpaid},
        unpaid=unpaid,
        source="Bảng kết quả chi trả của Bưu điện huyện Sóc Sơn",
    )
    if unpaid:
        services.payroll_unpaid_settle(
            actor=staff.accountant, payroll=payroll, carry=list(unpaid), give_back=[]
        )


def month_prepare(
    month: dt.date, communes: list[AdministrativeUnit], staff: SimpleNamespace
) -> list[Payroll]:
    """Generated on the 20th of the month before, reviewed, approved and sent
    to the post office before the 25th."""
    before = add_months(month, -1)
    payrolls = []
    for i, commune in enumerate(communes):
        officer = staff.officer[commune.pk]
        with _at(before.replace(day=20), 8, i):
            payroll = services.payroll_generate(actor=officer, commune=commune, month=month)
        with _at(before.replace(day=20), 14, i):
            transition(payroll, "submit", actor=officer)
        payrolls.append(payroll)
    analyze_month(month)
    steps = [("review", 21, staff.specialist), ("approve", 23, staff.head)]
    steps.append(("send", 24, staff.accountant))
    for name, day, actor in steps:
        for i, payroll in enumerate(payrolls):
            with _at(before.replace(day=day), 9, i):
                transition(payroll, name, actor=actor)
    return payrolls


def month_settle(
    payrolls: list[Payroll], staff: SimpleNamespace, unpaid: dict[int, dict[int, str]]
) -> None:
    """Paid on the 5th, results recorded on the 10th (lines not collected
    carried to next month), reconciled on the 12th, closed on the 15th."""
    for i, payroll in enumerate(payrolls):
        with _at(payroll.month.replace(day=10), 9, i):
            _results(payroll, staff, unpaid.get(payroll.commune_id, {}))
        with _at(payroll.month.replace(day=12), 9, i):
            transition(payroll, "reconcile", actor=staff.accountant)
        with _at(payroll.month.replace(day=15), 10, i):
            transition(payroll, "close", actor=staff.head)


def not_collected(
    payrolls: list[Payroll], which: list[int], per: int, skip: set[int]
) -> dict[int, dict[int, str]]:
    """A few ordinary lines of some communes' payrolls that nobody collected."""
    reasons = [UnpaidReason.NOT_COLLECTED, UnpaidReason.ABSENT]
    out: dict[int, dict[int, str]] = {}
    for k in which:
        payroll = payrolls[k % len(payrolls)]
        ids = (
            payroll_lines(payroll)
            .filter(kind=LineKind.REGULAR)
            .exclude(entitlement_id__in=skip)
            .order_by("pk")
            .values_list("pk", flat=True)[:per]
        )
        out[payroll.commune_id] = {pk: reasons[n % 2] for n, pk in enumerate(ids)}
    return out


# --- life: late decisions, deaths, a transfer -------------------------------------------


def late_decision(
    special: Special, person: Person, staff: SimpleNamespace, number: int
) -> Entitlement:
    """Filed on 26/02/2024, decided on 08/03/2024 from the special's first month."""
    commune = person.commune
    officer, leader = staff.officer[commune.pk], staff.leader[commune.pk]
    category = AllowanceCategory.objects.get(regime=special.regime, code=special.code)
    with _at(D(2024, 2, 26), 9, number):
        case = services.allowance_case_create(
            actor=officer,
            commune=commune,
            applicant=person,
            regime=special.regime,
            category=category,
            requested_start_month=special.paid[0],
        )
        for requirement in missing_documents(case):
            upload = SimpleUploadedFile(f"{requirement.label}.pdf", PDF, "application/pdf")
            document_upload(actor=officer, case=case, kind=requirement.kind, upload=upload)
        transition(case, "submit", actor=officer)
    with _at(D(2024, 2, 28), 10, number):
        transition(case, "confirm", actor=leader)
    with _at(D(2024, 3, 4), 9, number):
        transition(case, "review", actor=staff.specialist)
    issuer = "QĐ-SLĐTBXH" if special.regime == NCC else "QĐ-UBND"
    with _at(D(2024, 3, 8), 15, number):
        transition(
            case,
            "decide",
            actor=staff.head,
            data={
                "decision_number": f"{310 + number}/{issuer}",
                "decision_date": D(2024, 3, 8),
                "start_month": special.paid[0],
            },
        )
    return Entitlement.objects.get(case=case)


def deaths_and_transfer(
    specials: list[tuple[Special, Holder]], ents: dict[int, Entitlement], staff: SimpleNamespace
) -> None:
    """Recorded on 16/04/2024 (after April was paid): deaths on 12/04, and a
    move to another commune paid there from May."""
    for n, (special, holder) in enumerate(specials):
        if special.role == "late":  # decided in March, nothing ends
            continue
        ent = ents[holder.person_id]
        with _at(D(2024, 4, 16), 9, n):
            if special.role == "death":
                transition(
                    ent,
                    "terminate",
                    actor=staff.head,
                    data={"end_reason": "death", "died_on": D(2024, 4, 12)},
                    reason="Từ trần ngày 12/04/2024 (trích lục khai tử của UBND xã)",
                )
            elif special.role == "transfer" and len(staff.communes) > 1:
                # With one demo commune the person stays (paid the same there).
                to = staff.communes[special.to_commune % len(staff.communes)]
                if to.pk == ent.commune_id:
                    to = next(c for c in staff.communes if c.pk != ent.commune_id)
                transition(
                    ent,
                    "transfer",
                    actor=staff.head,
                    data={"to_commune": to.pk, "from_month": D(2024, 5, 1)},
                    reason=f"Chuyển nơi cư trú về {to.name} từ tháng 5/2024",
                )
                # The registry follows the move (the person now lives there).
                Person.objects.filter(pk=holder.person_id).update(commune=to)


# --- recuperation -----------------------------------------------------------------------


def recuperation_prepare(staff: SimpleNamespace, skip: set[int]) -> list[RecuperationList]:
    """The district's 2024 quota (900); each commune's list filled in March
    (450 people over the communes, six in ten at a centre), approved."""
    district = staff.communes[0].parent
    with _at(D(2024, 1, 5), 9):
        RecuperationQuota.objects.get_or_create(
            year=2024,
            area=district,
            defaults={"quota": RECUPERATION_QUOTA, "legal_basis": "Chỉ tiêu Sở LĐTBXH giao 2024"},
        )
    lists = []
    for i, (commune, n) in enumerate(
        zip(staff.communes, _spread(RECUPERATION_SENT, len(staff.communes)), strict=True)
    ):
        officer = staff.officer[commune.pk]
        people = list(
            recup.eligible_entitlements(commune_id=commune.pk, year=2024)
            .exclude(pk__in=skip)
            .order_by("person_id")
            .values_list("person_id", flat=True)[:n]
        )
        modes = {pid: "home" if k % 5 < 2 else "centre" for k, pid in enumerate(people)}
        with _at(D(2024, 3, 18), 9, i):
            rl = recup.recuperation_list_open(actor=officer, commune=commune, year=2024)
            recup.recuperation_rows_add(
                actor=officer, recuperation_list=rl, choices=modes, on=D(2024, 4, 15)
            )
            transition(rl, "submit", actor=officer)
        with _at(D(2024, 3, 19), 14, i):
            transition(rl, "approve", actor=staff.head)
        lists.append(rl)
    return lists


def recuperation_send(lists: list[RecuperationList], staff: SimpleNamespace) -> None:
    """Sent in groups from April to June, recorded and closed on 17–18/06."""
    for i, rl in enumerate(lists):
        sent = D(2024, 4, 8) + dt.timedelta(days=(i * 3) % 65)
        with _at(D(2024, 6, 17), 9, i):
            transition(rl, "record_paid", actor=staff.accountant, data={"sent_on": sent})
        with _at(D(2024, 6, 18), 9, i):
            transition(rl, "close", actor=staff.officer[rl.commune_id])


# --- the demo ---------------------------------------------------------------------------


def _staff(
    communes: list[AdministrativeUnit], users: dict[str, Any], actors: dict[str, Any]
) -> SimpleNamespace:
    return SimpleNamespace(
        communes=communes,
        officer={c.pk: actors[c.code][0] for c in communes},
        leader={c.pk: actors[c.code][1] for c in communes},
        specialist=users["chuyenvien"],
        head=users["truongphong"],
        accountant=users["ketoan"],
    )


def seed_allowances(
    units: dict[str, AdministrativeUnit],
    users: dict[str, Any],
    actors: dict[str, tuple[Any, Any]],
    *,
    codes: list[str] | None = None,
) -> str:
    """The whole allowances demo, once (nothing when its payrolls exist).
    `actors`: commune code → (officer, leader). Raises PlanError when the
    six-month figures are not met to the đồng."""
    if Payroll.objects.filter(month=MONTHS[0]).exists():
        return "allowances demo already present"
    reference.seed(apps, None)  # Hà Nội's own standard, now that the province exists
    reference.seed_documents(apps, None)  # the dossier's checklist, per regime
    wanted = codes or list(units)
    # The demo logins' communes first: the special people live there.
    ordered = [c for c in (PHU_LO, MINH_TRI) if c in wanted]
    communes = [units[c] for c in [*ordered, *(c for c in wanted if c not in ordered)]]
    staff = _staff(communes, users, actors)
    # The users and their roles were written in this transaction too: without
    # statistics, each notification's role-holder lookup took a nested loop
    # of 60 ms (a minute over the replay) instead of under one.
    analyze(
        "auth_user",
        "auth_user_groups",
        "auth_group_permissions",
        "auth_user_user_permissions",
        "guardian_groupobjectpermission",
        "guardian_userobjectpermission",
    )
    rates_as_in_2023()
    categories = {c.code: c for c in AllowanceCategory.objects.all()}
    province_id = province_of(communes[0].pk)
    if province_id is None:
        raise PlanError("the demo's communes have no province")
    plan = plan_make(categories, province_id)
    with _at(D(2023, 12, 1), 8):
        holders = holders_make(plan.counts, communes)
        specials = special_holders(communes)
        ordinary = [h for kind in holders.values() for h in kind]
        lasting = [h for s, h in specials if s.role != "late"]
        created = entitlements_create([*ordinary, *lasting], categories)
    analyze("cases_person", "allowances_entitlement")
    ents = {e.person_id: e for e in created if e.person_id in {h.person_id for h in lasting}}
    special_ids = {e.pk for e in ents.values()}
    notified_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    lists: list[RecuperationList] = []
    for month in MONTHS:
        payrolls = month_prepare(month, communes, staff)
        unpaid: dict[int, dict[int, str]] = {}
        if month == D(2024, 2, 1):
            unpaid = not_collected(payrolls, [0, 1, 2], 2, special_ids)
        elif month == D(2024, 5, 1):
            unpaid = not_collected(payrolls, [3], 1, special_ids)
        elif month == D(2024, 3, 1):
            for n, (special, holder) in enumerate(s for s in specials if s[0].role == "late"):
                person = Person.objects.select_related("commune").get(pk=holder.person_id)
                special_ids.add(late_decision(special, person, staff, n).pk)
        month_settle(payrolls, staff, unpaid)
        if month == D(2024, 1, 1):
            analyze("workflows_auditevent")  # each month's lines: `analyze_month`
        elif month == D(2024, 3, 1):
            lists = recuperation_prepare(staff, special_ids)
        elif month == D(2024, 4, 1):
            deaths_and_transfer(specials, ents, staff)
        elif month == D(2024, 6, 1):
            recuperation_send(lists, staff)
        elif month == D(2024, 7, 1):
            with _at(RATES_ENTERED, 9):
                reference.seed(apps, None)  # NĐ 77/2024, NĐ 76/2024: entered after July was paid
    figures = figures_check(communes)
    # The replay's outbox rows would only clutter today's bells and mailboxes.
    Notification.objects.filter(pk__gt=notified_before or 0).delete()
    open_month(communes, staff)
    return (
        f"allowances: {len(created)} entitlements, {len(MONTHS) * len(communes)} payrolls, "
        f"H1 2024 paid NCC {figures[NCC]:,} đ, BTXH {figures[BTXH]:,} đ"
    )


def open_month(communes: list[AdministrativeUnit], staff: SimpleNamespace) -> None:
    """September 2024: Minh Trí's payroll generated and waiting (draft);
    Phù Lỗ's not generated yet. Both for the demo logins to take to closed."""
    for commune in communes:
        if commune.code == MINH_TRI:
            with _at(D(2024, 8, 20), 8):
                services.payroll_generate(
                    actor=staff.officer[commune.pk], commune=commune, month=OPEN_MONTH
                )


def paid_in_h1(communes: list[AdministrativeUnit]) -> dict[str, int]:
    """What the lines of payroll months 01–06/2024 paid, by regime."""
    rows = (
        PayrollLine.objects.filter(
            month__gte=H1[0], month__lte=H1[-1], state=LN.PAID, commune__in=communes
        )
        .values("regime")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["regime"]: r["total"] for r in rows}


def figures_check(communes: list[AdministrativeUnit]) -> dict[str, int]:
    """The six-month report's figures, or PlanError (loud: the demo is wrong)."""
    paid = paid_in_h1(communes)
    if paid != TARGETS:
        raise PlanError(f"H1 2024 paid {paid}, the report says {TARGETS}")
    sent = Recuperation.objects.filter(
        year=2024, sent_on__range=(H1[0], D(2024, 6, 30)), commune__in=communes
    ).count()
    if sent != RECUPERATION_SENT:
        raise PlanError(f"{sent} recuperation trips sent in H1 2024, the report says 450")
    arrears = dict(
        PayrollLine.objects.filter(
            month=D(2024, 8, 1), kind=LineKind.ARREARS, for_month=NEW_RATES_FROM
        )
        .values_list("regime")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    if not (arrears.get(NCC) and arrears.get(BTXH)):
        raise PlanError(f"August 2024 pays no arrears for July's new rates: {arrears}")
    return paid
