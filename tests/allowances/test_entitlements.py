"""An entitlement's life: granted by a decision, suspended and resumed,
ended by death (with funeral support), transferred between communes without
a gap or a double month, changed by a new decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from cases.allowances import services
from cases.allowances.models import Entitlement, LineKind, Suspension
from cases.models import DocumentRequirement
from tests.allowances.helpers import full_month, lines_of
from workflows.engine import transition
from workflows.exceptions import InvalidData, NotPermitted, SeparationOfDuties

D = dt.date
pytestmark = pytest.mark.django_db
REG, ARR, ONE = LineKind.REGULAR, LineKind.ARREARS, LineKind.ONE_OFF


def generate(staff, commune, month):
    return services.payroll_generate(
        actor=staff.officer_for_commune(commune), commune=commune, month=month
    )


def test_a_decided_dossier_creates_the_entitlement_paid_from_its_start_month(
    staff, communes, people, rates
):
    person = people.a[0]
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=person,
        regime="bao_tro_xa_hoi",
        category=rates.cat["nkt_nang"],
        requested_start_month=D(2024, 3, 1),
    )
    transition(case, "submit", actor=staff.officer)
    transition(case, "confirm", actor=staff.leader)
    transition(case, "review", actor=staff.specialist)
    with pytest.raises(InvalidData):
        transition(
            case,
            "decide",
            actor=staff.head,
            data={
                "decision_number": "12/QĐ-UBND",
                "decision_date": "20/05/2024",
                "start_month": "08/2024",
            },
        )
    transition(
        case,
        "decide",
        actor=staff.head,
        data={
            "decision_number": "12/QĐ-UBND",
            "decision_date": "20/05/2024",
            "start_month": "03/2024",
        },
    )
    ent = Entitlement.objects.get(person=person)
    assert (ent.state, ent.start_month, ent.decision_number, ent.case_id) == (
        "active",
        D(2024, 3, 1),
        "12/QĐ-UBND",
        case.pk,
    )
    may = generate(staff, communes.a, D(2024, 5, 1))
    assert [(k, m) for _p, k, m, _a in lines_of(may)] == [
        (ARR, D(2024, 3, 1)),
        (ARR, D(2024, 4, 1)),
        (REG, D(2024, 5, 1)),
    ]


def test_a_dossier_needs_the_documents_its_regime_requires(staff, communes, people, rates):
    DocumentRequirement.objects.create(
        process="allowance",
        program="bao_tro_xa_hoi",
        kind="giay_xac_nhan_kt",
        label="Giấy xác nhận khuyết tật",
    )
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=people.a[0],
        regime="bao_tro_xa_hoi",
        category=rates.cat["nkt_nang"],
        requested_start_month=D(2024, 3, 1),
    )
    with pytest.raises(InvalidData, match="Giấy xác nhận khuyết tật"):
        transition(case, "submit", actor=staff.officer)


def test_a_person_cannot_get_a_second_active_entitlement_of_a_regime(
    staff, communes, people, entitle, rates
):
    person = people.a[0]
    entitle(person, "nkt_nang", D(2023, 1, 1))
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=person,
        regime="bao_tro_xa_hoi",
        category=rates.cat["nkt_dac_biet_nang"],
        requested_start_month=D(2024, 3, 1),
    )
    with pytest.raises(InvalidData) as exc:
        transition(case, "submit", actor=staff.officer)
    assert exc.value.code == "entitlement_active_exists"
    with pytest.raises(IntegrityError), transaction.atomic():
        entitle(person, "nkt_dac_biet_nang", D(2030, 1, 1))


def test_the_database_refuses_two_entitlements_paying_the_same_month(communes, people, entitle):
    person = people.a[0]
    first = entitle(person, "nkt_nang", D(2023, 1, 1))
    Entitlement.objects.filter(pk=first.pk).update(
        state="ended", end_month=D(2024, 5, 1), end_reason="moved"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        entitle(person, "nkt_nang", D(2024, 5, 1), commune=communes.b)
    entitle(person, "nkt_nang", D(2024, 6, 1), commune=communes.b)


def test_the_commune_officer_cannot_decide_and_the_head_cannot_decide_what_he_reviewed(
    staff, communes, people, rates
):
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=people.a[0],
        regime="bao_tro_xa_hoi",
        category=rates.cat["nkt_nang"],
        requested_start_month=D(2024, 3, 1),
    )
    transition(case, "submit", actor=staff.officer)
    transition(case, "confirm", actor=staff.leader)
    from tests.conftest import _grant
    from workflows.permissions import Role

    reviewer = _grant("head", Role.DISTRICT_SPECIALIST, [])
    transition(case, "review", actor=reviewer)
    data = {"decision_number": "1/QĐ", "decision_date": "02/04/2024", "start_month": "04/2024"}
    with pytest.raises(NotPermitted):
        transition(case, "decide", actor=staff.officer, data=data)
    with pytest.raises(SeparationOfDuties):
        transition(case, "decide", actor=reviewer, data=data)


def test_suspended_months_are_not_paid_and_paid_back_when_resumed_so(
    staff, communes, people, entitle
):
    person = people.a[0]
    ent = entitle(person, "nkt_nang", D(2023, 1, 1))
    full_month(communes.a, D(2024, 2, 1), staff)
    transition(
        ent,
        "suspend",
        actor=staff.head,
        data={"from_month": "03/2024"},
        reason="Không nhận 3 tháng",
    )
    assert lines_of(generate(staff, communes.a, D(2024, 3, 1))) == []
    assert lines_of(generate(staff, communes.a, D(2024, 4, 1))) == []
    ent.refresh_from_db()
    transition(ent, "resume", actor=staff.head, data={"resume_month": "05/2024", "pay_back": True})
    assert Suspension.objects.get(entitlement=ent).to_month == D(2024, 4, 1)
    may = generate(staff, communes.a, D(2024, 5, 1))
    assert lines_of(may) == [
        (person.pk, ARR, D(2024, 3, 1), 660_000),
        (person.pk, ARR, D(2024, 4, 1), 660_000),
        (person.pk, REG, D(2024, 5, 1), 660_000),
    ]


def test_suspended_months_stay_unpaid_when_resumed_without_paying_back(
    staff, communes, people, entitle
):
    person = people.a[0]
    ent = entitle(person, "nkt_nang", D(2023, 1, 1))
    transition(
        ent, "suspend", actor=staff.specialist, data={"from_month": "03/2024"}, reason="Đi vắng"
    )
    ent.refresh_from_db()
    transition(ent, "resume", actor=staff.head, data={"resume_month": "05/2024", "pay_back": False})
    assert lines_of(generate(staff, communes.a, D(2024, 5, 1))) == [
        (person.pk, REG, D(2024, 5, 1), 660_000)
    ]


def test_death_mid_month_pays_that_month_then_funeral_support_once(
    staff, communes, people, entitle
):
    person = people.a[0]
    ent = entitle(person, "nkt_nang", D(2023, 1, 1))
    transition(
        ent,
        "terminate",
        actor=staff.head,
        data={"end_reason": "death", "died_on": "15/04/2024"},
        reason="Giấy báo tử số 7",
    )
    ent.refresh_from_db()
    assert (ent.state, ent.end_month, ent.died_on) == ("ended", D(2024, 4, 1), D(2024, 4, 15))
    april = full_month(communes.a, D(2024, 4, 1), staff)
    assert lines_of(april) == [
        (person.pk, ONE, D(2024, 4, 1), 7_200_000),
        (person.pk, REG, D(2024, 4, 1), 660_000),
    ]
    assert lines_of(generate(staff, communes.a, D(2024, 5, 1))) == []


def test_a_transfer_leaves_no_gap_and_no_double_month(staff, communes, people, entitle):
    person = people.a[0]
    ent = entitle(person, "than_nhan_1_liet_si", D(2023, 1, 1))
    full_month(communes.a, D(2024, 4, 1), staff)
    generate(staff, communes.a, D(2024, 5, 1))  # May already lists the person in commune a
    with pytest.raises(InvalidData) as refused:
        transition(
            ent,
            "transfer",
            actor=staff.head,
            data={"to_commune": communes.b.pk, "from_month": "05/2024"},
            reason="Chuyển hộ khẩu",
        )
    assert "06/2024" in refused.value.fields["from_month"][0]
    ent.refresh_from_db()
    transition(
        ent,
        "transfer",
        actor=staff.head,
        data={"to_commune": communes.b.pk, "from_month": "06/2024"},
        reason="Chuyển hộ khẩu",
    )
    ent.refresh_from_db()
    new = Entitlement.objects.get(previous=ent)
    assert (ent.end_month, new.start_month, new.commune_id, new.state) == (
        D(2024, 5, 1),
        D(2024, 6, 1),
        communes.b.pk,
        "active",
    )
    june_a = generate(staff, communes.a, D(2024, 6, 1))
    june_b = generate(staff, communes.b, D(2024, 6, 1))
    assert lines_of(june_a) == [] and lines_of(june_b) == [
        (person.pk, REG, D(2024, 6, 1), 2_055_000)
    ]


def test_a_change_of_category_ends_the_old_decision_the_month_before(
    staff, communes, people, entitle, rates
):
    person = people.a[0]
    old = entitle(person, "nkt_nang", D(2023, 1, 1))
    case = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=person,
        regime="bao_tro_xa_hoi",
        category=rates.cat["nkt_dac_biet_nang"],
        requested_start_month=D(2024, 5, 1),
        replaces=old,
    )
    transition(case, "submit", actor=staff.officer)
    transition(case, "confirm", actor=staff.leader)
    transition(case, "review", actor=staff.specialist)
    transition(
        case,
        "decide",
        actor=staff.head,
        data={"decision_number": "9/QĐ", "decision_date": "20/05/2024", "start_month": "05/2024"},
    )
    old.refresh_from_db()
    assert (old.state, old.end_month, old.end_reason) == ("ended", D(2024, 4, 1), "replaced")
    may = generate(staff, communes.a, D(2024, 5, 1))
    assert lines_of(may) == [(person.pk, REG, D(2024, 5, 1), 880_000)]
