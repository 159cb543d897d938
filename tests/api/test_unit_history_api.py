"""The moved-from / moved-to history of each case and list in the API (issue
15): after the reorganisation run of 01/07/2025 the detail of a housing case,
a gift list, a payroll and a rehab case (a logged read) says which unit it
came from, which it went to, under which decision, from when and, for a unit
split by villages, which villages; what never moved says []; lists do not
carry it; who may read the record is unchanged (another commune: 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cases.allowances import services as allowances
from cases.demo.base import seed_units
from cases.gifts import services as gifts
from cases.gifts.models import Campaign
from cases.housing.models import HousingCase, HousingKind, HousingProgram, HousingState
from cases.housing.services import housing_case_create
from cases.models import AdministrativeUnit, Person
from cases.reorganization.run import MOVED_EVENT, reorganize
from cases.selectors import UNIT_TRANSFER_EVENT
from tests.conftest import _grant
from tests.factories import PersonFactory
from tests.reorganization.mappings import DECISION, EFFECTIVE, MERGE, SPLIT, load
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope

pytestmark = pytest.mark.django_db

PHU_LO = {"code": "00448", "name": "Phù Lỗ"}
NOI_BAI = {"code": "00433", "name": "Nội Bài"}


def noi_bai() -> AdministrativeUnit:
    return AdministrativeUnit.objects.get(code="00433", valid_from=EFFECTIVE)


def run(users: SimpleNamespace) -> None:
    """The 01/07/2025 run; the users' scopes, read before it, are read again."""
    reorganize(EFFECTIVE, actor=None)
    for user in vars(users).values():
        forget_scope(user)


def detail(client: APIClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params)
    body: dict[str, Any] = response.json()
    assert response.status_code == 200, body
    return body


def moved_at(obj: Any, object_type: str) -> dt.datetime:
    event = AuditEvent.objects.get(
        event=MOVED_EVENT, object_type=object_type, object_id=str(obj.pk)
    )
    return event.occurred_at


def entry(body: dict[str, Any]) -> dict[str, Any]:
    """The one move of the record, its time parsed."""
    [move] = body["unit_history"]
    return {**move, "occurred_at": dt.datetime.fromisoformat(move["occurred_at"])}


def merge_move(occurred_at: dt.datetime) -> dict[str, Any]:
    return {
        "from": PHU_LO,
        "to": NOI_BAI,
        "decision": DECISION,
        "effective": "2025-07-01",
        "occurred_at": occurred_at,
        "villages": [],
    }


@pytest.fixture
def world(users: SimpleNamespace, communes: SimpleNamespace, make_case: Any) -> SimpleNamespace:
    """In Phù Lỗ, before the run: a submitted housing case, a gift list being
    drawn up and the June 2025 payroll (all open: the run carries them)."""
    seed_units()
    campaign = Campaign.objects.create(
        code="tet-2026", name="Tết Bính Ngọ 2026", year=2026, occasion_date=dt.date(2026, 2, 17)
    )
    return SimpleNamespace(
        case=make_case(HousingState.SUBMITTED),
        gift_list=gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a),
        payroll=allowances.payroll_generate(
            actor=users.officer, commune=communes.a, month=dt.date(2025, 6, 1)
        ),
    )


def test_what_has_not_moved_has_an_empty_history(
    api: Callable[..., APIClient], users: SimpleNamespace, world: SimpleNamespace
) -> None:
    client = api(users.officer)
    assert detail(client, f"/api/v1/cases/{world.case.pk}/")["unit_history"] == []
    assert detail(client, f"/api/v1/gift-lists/{world.gift_list.pk}/")["unit_history"] == []
    payroll = detail(client, f"/api/v1/allowances/payrolls/{world.payroll.pk}/")
    assert payroll["unit_history"] == []


def test_the_new_communes_officer_reads_where_each_record_came_from(
    api: Callable[..., APIClient], users: SimpleNamespace, world: SimpleNamespace
) -> None:
    load(MERGE)
    run(users)
    officer = _grant("canbo_noibai", Role.COMMUNE_OFFICER, ["00433"])
    client = api(officer)

    case = detail(client, f"/api/v1/cases/{world.case.pk}/")
    assert case["commune"]["name"] == "Nội Bài"
    assert entry(case) == merge_move(moved_at(world.case, "cases.case"))

    gift_list = detail(client, f"/api/v1/gift-lists/{world.gift_list.pk}/")
    assert entry(gift_list) == merge_move(moved_at(world.gift_list, "cases.giftlist"))

    payroll = detail(client, f"/api/v1/allowances/payrolls/{world.payroll.pk}/")
    assert entry(payroll) == merge_move(moved_at(world.payroll, "allowances.payroll"))


def test_a_record_filed_in_the_new_commune_after_the_run_has_an_empty_history(
    api: Callable[..., APIClient], users: SimpleNamespace, world: SimpleNamespace
) -> None:
    load(MERGE)
    run(users)
    officer = _grant("canbo_noibai", Role.COMMUNE_OFFICER, ["00433"])
    case = housing_case_create(
        actor=officer,
        commune=noi_bai(),
        applicant=cast(Person, PersonFactory(commune=noi_bai())),
        program=HousingProgram.MERIT,
        kind=HousingKind.REPAIR,
        requested_amount=10_000_000,
    )
    assert detail(api(officer), f"/api/v1/cases/{case.pk}/")["unit_history"] == []


def test_another_communes_user_still_gets_not_found(
    api: Callable[..., APIClient], users: SimpleNamespace, world: SimpleNamespace
) -> None:
    """Minh Trí's officer (Kim Anh's since the run) reads none of Nội Bài's records."""
    urls = [
        f"/api/v1/cases/{world.case.pk}/",
        f"/api/v1/gift-lists/{world.gift_list.pk}/",
        f"/api/v1/allowances/payrolls/{world.payroll.pk}/",
    ]
    before = [api(users.officer_b).get(url).status_code for url in urls]
    load(MERGE)
    run(users)
    after = [api(users.officer_b).get(url).status_code for url in urls]
    assert before == after == [404, 404, 404]


def test_a_record_of_a_unit_split_by_villages_names_the_villages_that_went_with_it(
    api: Callable[..., APIClient],
    users: SimpleNamespace,
    make_case: Any,
) -> None:
    units = seed_units()
    phu_linh = units["00400"]
    officer = _grant("canbo_phulinh", Role.COMMUNE_OFFICER, ["00400"])
    person = cast(Person, PersonFactory(commune=phu_linh, village="Thôn Đông"))
    case = housing_case_create(
        actor=officer,
        commune=phu_linh,
        applicant=person,
        program=HousingProgram.MERIT,
        kind=HousingKind.REPAIR,
        requested_amount=10_000_000,
    )
    load(MERGE + SPLIT.split("\n", 1)[1])
    run(SimpleNamespace(**vars(users), phu_linh=officer))
    assert HousingCase.objects.get(pk=case.pk).commune == noi_bai()
    body = detail(api(officer), f"/api/v1/cases/{case.pk}/")
    assert entry(body) == {
        "from": {"code": "00400", "name": "Phù Linh"},
        "to": NOI_BAI,
        "decision": DECISION,
        "effective": "2025-07-01",
        "occurred_at": moved_at(case, "cases.case"),
        "villages": ["Thôn Đông"],
    }


def test_lists_carry_no_history_and_the_detail_reads_it_in_one_query(
    api: Callable[..., APIClient], users: SimpleNamespace, world: SimpleNamespace
) -> None:
    load(MERGE)
    run(users)
    client = api(users.officer)  # Phù Lỗ's officer serves Nội Bài since the run
    for url in ("/api/v1/housing/", "/api/v1/gift-lists/", "/api/v1/allowances/payrolls/"):
        rows = detail(client, url)["results"]
        assert rows and all("unit_history" not in row for row in rows), url
    url = f"/api/v1/cases/{world.case.pk}/"
    detail(client, url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as ctx:
        assert len(detail(client, url)["unit_history"]) == 1
    reads = [q["sql"] for q in ctx.captured_queries if "workflows_auditevent" in q["sql"]]
    history = [sql for sql in reads if UNIT_TRANSFER_EVENT in sql]
    assert len(history) == 1, history


def test_the_event_read_is_the_one_the_run_writes() -> None:
    assert UNIT_TRANSFER_EVENT == MOVED_EVENT


# --- rehab: a sensitive record, read with a purpose and logged -------------------------


def test_a_moved_rehab_case_shows_its_history_in_the_logged_read_only(
    api: Callable[..., APIClient],
    users: SimpleNamespace,
    rehab_users: SimpleNamespace,
    communes: SimpleNamespace,
) -> None:
    from tests.rehab.helpers import go, make_referral, travel

    with travel(dt.date(2025, 6, 2)) as clock:  # filed on the 2025 route, by the police
        seed_units()
        referral = make_referral(clock, rehab_users, communes.a)
        load(MERGE)
        go(clock, EFFECTIVE)  # from here the code 00433 names Nội Bài
        run(SimpleNamespace(**vars(users), **vars(rehab_users)))
        rehab = _grant("canbo_canghien_noibai", Role.COMMUNE_REHAB, ["00433"])
        officer = _grant("canbo_noibai", Role.COMMUNE_OFFICER, ["00433"])
        url = f"/api/v1/rehab/cases/{referral.pk}/"

        body = detail(api(rehab), url, purpose="handling")
        assert entry(body) == merge_move(moved_at(referral, "cases.case"))
        read = AuditEvent.objects.filter(case_id=referral.pk, event="read").latest("id")
        assert (read.actor_username, read.data["via"]) == ("canbo_canghien_noibai", "api")
        # The list (masked, not a logged read) does not carry it.
        [row] = detail(api(rehab), "/api/v1/rehab/cases/")["results"]
        assert "unit_history" not in row
        # Other roles of the new commune and rehab roles of another: 404, as before.
        assert api(officer).get(url, {"purpose": "handling"}).status_code == 404
        assert api(rehab_users.rehab_b).get(url, {"purpose": "handling"}).status_code == 404


# --- the schema -----------------------------------------------------------------------

DETAILS = [
    "HousingCaseDetail",
    "RehabCaseDetail",
    "AllowanceCase",
    "EntitlementDetail",
    "PayrollDetail",
    "GiftListDetail",
]
LISTS = ["HousingCaseList", "RehabCaseList", "Entitlement", "Payroll", "GiftList"]


def test_the_schema_describes_the_history_on_every_detail_and_on_no_list() -> None:
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in DETAILS:
        field = components[name]["properties"]["unit_history"]
        assert field["type"] == "array" and field["readOnly"], name
        assert field["items"] == {"$ref": "#/components/schemas/UnitMove"}, name
        assert field["description"], name
        assert "unit_history" in components[name]["required"], name
    for name in LISTS:
        assert "unit_history" not in components[name]["properties"], name
    move = components["UnitMove"]
    shape = {"from", "to", "decision", "effective", "occurred_at", "villages"}
    assert set(move["required"]) == set(move["properties"]) == shape
    assert move["properties"]["effective"] == {
        "type": "string",
        "format": "date",
        "description": move["properties"]["effective"]["description"],
    }
    for end in ("from", "to"):
        assert move["properties"][end]["allOf"] == [{"$ref": "#/components/schemas/UnitRef"}]
    assert set(components["UnitRef"]["properties"]) == {"code", "name"}
    assert move["properties"]["villages"]["items"] == {"type": "string"}
