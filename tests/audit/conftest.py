"""A small audit trail written through `workflows.audit.record` (the real
append path): housing events in communes a and b, a drug-rehab case in
commune a with its transition and a read, a rehab person, a rehab export and
a system event."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from tests.factories import PersonFactory
from workflows import audit

T0 = timezone.make_aware(dt.datetime(2025, 3, 3, 9, 0))


def make_case(commune: Any, created_by: Any, *, process: str, reference: str) -> Case:
    return Case.objects.create(
        reference=reference,
        process=process,
        commune=commune,
        applicant=PersonFactory.create(commune=commune),
        created_by=created_by,
    )


def ev(at: dt.datetime, **kwargs: Any) -> Any:
    return audit.record(occurred_at=at, **kwargs)


@pytest.fixture
def trail(communes: SimpleNamespace, users: SimpleNamespace, rehab_users: SimpleNamespace) -> Any:
    a, b = communes.a, communes.b
    housing_a = make_case(a, users.officer, process="housing", reference="HT-A-0001")
    housing_b = make_case(b, users.officer_b, process="housing", reference="HT-B-0001")
    rehab_a = make_case(a, rehab_users.police, process="rehab_compulsory", reference="CN-A-0001")
    t = SimpleNamespace(housing_a=housing_a, housing_b=housing_b, rehab_a=rehab_a)
    t.submit_a = ev(
        T0,
        actor=users.officer,
        actor_role="commune_officer",
        commune_id=a.pk,
        case_id=housing_a.pk,
        event="transition",
        transition="submit",
        from_state="draft",
        to_state="submitted",
        reason="Hồ sơ đủ điều kiện",
    )
    t.return_a = ev(
        T0 + dt.timedelta(days=2),
        actor=users.leader,
        actor_role="commune_leader",
        commune_id=a.pk,
        case_id=housing_a.pk,
        event="transition",
        transition="return",
        from_state="submitted",
        to_state="returned",
        reason="Thiếu biên bản nghiệm thu",
    )
    t.submit_b = ev(
        T0 + dt.timedelta(days=1),
        actor=users.officer_b,
        actor_role="commune_officer",
        commune_id=b.pk,
        case_id=housing_b.pk,
        event="transition",
        transition="submit",
        from_state="draft",
        to_state="submitted",
        reason="Xã B gửi hồ sơ",
    )
    t.rehab_transition = ev(
        T0 + dt.timedelta(days=3),
        actor=rehab_users.police,
        actor_role="commune_police",
        commune_id=a.pk,
        case_id=rehab_a.pk,
        event="transition",
        transition="notify",
        from_state="draft",
        to_state="notified",
        reason="Nghiện ma túy lần 2",
        data={"substance": "heroin"},
    )
    t.rehab_read = ev(
        T0 + dt.timedelta(days=4),
        actor=rehab_users.district_rehab,
        actor_role="district_rehab",
        commune_id=a.pk,
        case_id=rehab_a.pk,
        event="read",
        data={"purpose": "review", "note": "kiểm tra"},
    )
    t.rehab_person = ev(
        T0 + dt.timedelta(days=5),
        actor=rehab_users.police,
        actor_role="commune_police",
        commune_id=a.pk,
        event="rehab_person_create",
        object_type="cases.person",
        object_id="99",
        data={"national_id": "001090000001", "full_name": "Nguyễn Văn Ẩn"},
    )
    t.rehab_export = ev(
        T0 + dt.timedelta(days=6),
        actor=rehab_users.district_rehab,
        actor_role="district_rehab",
        event="export",
        object_type="cases.rehabcase",
        data={"rows": 3, "format": "xlsx", "purpose": "reporting"},
    )
    t.system = ev(
        T0 + dt.timedelta(days=7),
        actor=users.head,
        actor_role="office_head",
        event="campaign_reconcile",
        object_type="cases.giftcampaign",
        object_id="1",
    )
    t.general = [t.submit_a, t.return_a, t.submit_b, t.system]
    t.rehab = [t.rehab_transition, t.rehab_read, t.rehab_person, t.rehab_export]
    return t
