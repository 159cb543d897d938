"""`workflows.engine.bulk_transition` on gift-list rows (cases.GiftRecipient):
one UPDATE for the whole set, one bulk insert of audit rows, a reason for
every refused row, a query count that does not grow with the rows, and two
concurrent bulk actions never moving a row twice."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient, GiftRecipientState
from cases.housing.models import HousingCase
from cases.models import Person
from workflows import audit, engine
from workflows.exceptions import TransitionNotAllowed
from workflows.models import AuditEvent
from workflows.permissions import Role, forget_scope

from .conftest import run_together

G = GiftRecipientState
OFFICER = (Role.COMMUNE_OFFICER,)
_serial = itertools.count(1)


def people(commune: Any, n: int) -> list[Person]:
    dob = dt.date(1950, 1, 1)
    return Person.objects.bulk_create(
        Person(
            full_name=f"Người nhận {i}",
            date_of_birth=dob,
            sex="M",
            national_id=f"001050{next(_serial):06d}",
            commune=commune,
        )
        for i in range(n)
    )


def on_list(commune: Any) -> dict[str, Any]:
    """The list and package rows of `commune` belong to (made once per commune)."""
    from django.contrib.auth import get_user_model

    campaign, _ = Campaign.objects.get_or_create(
        code="tet-test",
        defaults={"name": "Tết thử", "year": 2024, "occasion_date": dt.date(2024, 2, 10)},
    )
    package, _ = GiftPackage.objects.get_or_create(
        campaign=campaign,
        code="qua",
        defaults={"name": "Quà", "source": "district", "amount": 500_000},
    )
    maker, _ = get_user_model().objects.get_or_create(username="list_maker")
    gift_list, _ = GiftList.objects.get_or_create(
        campaign=campaign, commune=commune, defaults={"created_by": maker}
    )
    return {"commune": commune, "gift_list": gift_list, "package": package, "amount": 500_000}


def gift_rows(commune: Any, n: int, state: str = G.LISTED) -> list[GiftRecipient]:
    where = on_list(commune)
    rows = [GiftRecipient.objects.create(person=p, **where) for p in people(commune, n)]
    if state != G.LISTED:
        GiftRecipient.objects.filter(pk__in=[r.pk for r in rows]).update(
            state=state, delivered_on=dt.date(2024, 2, 5) if state == G.DELIVERED else None
        )
    return rows


def many_gift_rows(commune: Any, n: int) -> list[int]:
    where = on_list(commune)
    made = GiftRecipient.objects.bulk_create(
        GiftRecipient(person=p, **where) for p in people(commune, n)
    )
    return [r.pk for r in made]


def states(ids: list[int]) -> dict[int, str]:
    return dict(GiftRecipient.objects.filter(pk__in=ids).values_list("pk", "state"))


def gift_events(**filters: Any) -> Any:
    return AuditEvent.objects.filter(object_type="cases.giftrecipient", **filters)


def test_bulk_approve_moves_every_listed_row_with_one_audit_row_each_inserted_at_once(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    rows = gift_rows(communes.a, 5)
    ids = [r.pk for r in rows]

    with CaptureQueriesContext(connection) as ctx:
        result = engine.bulk_transition(
            GiftRecipient.objects.filter(commune=communes.a, state=G.LISTED),
            "approve",
            actor=users.officer,
            reason="Danh sách Tết 2025",
            data={"list": "tet-2025"},
            allowed_roles=OFFICER,
        )

    assert sorted(result.moved) == sorted(ids)
    assert result.refused == {} and result.events == 5
    assert set(states(ids).values()) == {G.APPROVED}
    events = gift_events()
    assert sorted(int(e.object_id) for e in events) == sorted(ids)
    for e in events:
        assert (e.actor_id, e.actor_role, e.commune_id, e.event, e.transition) == (
            users.officer.pk,
            Role.COMMUNE_OFFICER,
            communes.a.pk,
            "transition",
            "approve",
        )
        assert (e.from_state, e.to_state, e.reason, e.data) == (
            G.LISTED,
            G.APPROVED,
            "Danh sách Tết 2025",
            {"list": "tet-2025"},
        )
        assert e.case_id is None
    # The audit rows go in with one COPY, whatever their number.
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith(
        'COPY "workflows_auditevent"')]  # fmt: skip
    assert len(inserts) == 1 and inserts[0]["sql"].endswith("-- 5 rows")
    updates = [q for q in ctx.captured_queries if "UPDATE cases_giftrecipient" in q["sql"]]
    assert len(updates) == 1
    assert audit.verify().ok


def test_bulk_refuses_other_communes_rows_wrong_state_rows_and_gives_each_a_reason(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    mine = gift_rows(communes.a, 3)
    theirs = gift_rows(communes.b, 2)
    delivered = gift_rows(communes.a, 2, state=G.DELIVERED)
    everything = [r.pk for r in mine + theirs + delivered]

    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=everything),
        "approve",
        actor=users.officer,
        allowed_roles=OFFICER,
    )

    assert sorted(result.moved) == sorted(r.pk for r in mine)
    assert result.refused == {
        **{r.pk: "not_permitted" for r in theirs},
        **{r.pk: "wrong_state" for r in delivered},
    }
    after = states(everything)
    assert {after[r.pk] for r in theirs} == {G.LISTED}
    assert {after[r.pk] for r in delivered} == {G.DELIVERED}
    assert gift_events().count() == 3
    assert not gift_events(object_id__in=[str(r.pk) for r in theirs + delivered]).exists()


def test_bulk_refuses_rows_the_actor_acted_on_in_a_forbidden_step(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    rows = gift_rows(communes.a, 4)
    ids = [r.pk for r in rows]
    engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids[:3]),
        "approve",
        actor=users.officer,
        allowed_roles=OFFICER,
    )
    # officer2 approved the fourth row; officer may deliver that one only.
    engine.bulk_transition(
        GiftRecipient.objects.filter(pk=ids[3]), "approve", actor=users.officer2,
        allowed_roles=OFFICER,
    )  # fmt: skip

    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids),
        "deliver",
        values={"delivered_on": dt.date(2024, 2, 5)},
        actor=users.officer,
        allowed_roles=OFFICER,
        not_by_actors_of=("approve",),
    )

    assert result.moved == [ids[3]]
    assert result.refused == {pk: "separation_of_duties" for pk in ids[:3]}
    assert states(ids) == {**{pk: G.APPROVED for pk in ids[:3]}, ids[3]: G.DELIVERED}
    # Another officer delivers the rest.
    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=ids[:3]),
        "deliver",
        values={"delivered_on": dt.date(2024, 2, 5)},
        actor=users.officer2,
        allowed_roles=OFFICER,
        not_by_actors_of=("approve",),
    )
    assert sorted(result.moved) == sorted(ids[:3])
    assert gift_events(transition="deliver").count() == 4


def test_bulk_refuses_every_row_to_an_actor_without_an_allowed_role(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ids = [r.pk for r in gift_rows(communes.a, 3)]
    for actor in (users.leader, users.auditor, users.admin, users.officer_b):
        result = engine.bulk_transition(
            GiftRecipient.objects.filter(pk__in=ids),
            "approve",
            actor=actor,
            allowed_roles=OFFICER,
        )
        assert result.moved == []
        assert result.refused == dict.fromkeys(ids, "not_permitted")
    assert set(states(ids).values()) == {G.LISTED}
    assert not gift_events().exists()


def test_a_district_role_moves_rows_of_every_commune_into_each_communes_chain(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    a = [r.pk for r in gift_rows(communes.a, 2)]
    b = [r.pk for r in gift_rows(communes.b, 3)]
    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=a + b),
        "approve",
        actor=users.specialist,
        allowed_roles=(Role.DISTRICT_SPECIALIST,),
    )
    assert sorted(result.moved) == sorted(a + b)
    assert gift_events(commune=communes.a, chain=f"commune:{communes.a.pk}").count() == 2
    assert gift_events(commune=communes.b, chain=f"commune:{communes.b.pk}").count() == 3
    assert audit.verify().ok


def test_bulk_on_an_empty_set_writes_nothing(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    result = engine.bulk_transition(
        GiftRecipient.objects.none(), "approve", actor=users.officer, allowed_roles=OFFICER
    )
    assert (result.moved, result.refused, result.events) == ([], {}, 0)
    assert not gift_events().exists()


def test_bulk_refuses_an_unknown_transition_and_flow_managed_cases(
    make_case: Any, users: SimpleNamespace
) -> None:
    with pytest.raises(TransitionNotAllowed):
        engine.bulk_transition(
            GiftRecipient.objects.all(), "explode", actor=users.officer, allowed_roles=OFFICER
        )
    case = make_case("submitted")
    with pytest.raises(TransitionNotAllowed):
        engine.bulk_transition(
            HousingCase.objects.filter(pk=case.pk),
            "verify",
            actor=users.leader,
            allowed_roles=(Role.COMMUNE_LEADER,),
        )
    assert HousingCase.objects.get(pk=case.pk).state == "submitted"


def _count_queries(actor: Any, ids: list[int]) -> tuple[int, Any]:
    forget_scope(actor)  # the same work each time: scope computed afresh
    with CaptureQueriesContext(connection) as ctx:
        result = engine.bulk_transition(
            GiftRecipient.objects.filter(pk__in=ids),
            "approve",
            actor=actor,
            allowed_roles=OFFICER,
        )
    return len(ctx.captured_queries), result


def test_the_number_of_queries_is_the_same_for_10_and_1000_rows(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    small = many_gift_rows(communes.a, 10)
    large = many_gift_rows(communes.a, 1000)
    # Some refusals in the large set too: they must not cost queries either.
    GiftRecipient.objects.filter(pk__in=large[:100]).update(
        state=G.DELIVERED, delivered_on=dt.date(2024, 2, 5)
    )

    n_small, r_small = _count_queries(users.officer, small)
    n_large, r_large = _count_queries(users.officer, large)

    assert len(r_small.moved) == 10
    assert len(r_large.moved) == 900 and len(r_large.refused) == 100
    assert n_small == n_large
    assert n_large <= 12
    assert gift_events().count() == 910
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bulk_approvals_move_every_row_exactly_once(
    users: SimpleNamespace, communes: SimpleNamespace, monkeypatch: Any
) -> None:
    ids = many_gift_rows(communes.a, 300)
    # Hold the first writer's locks a little while so the second one waits on them.
    original = audit.append

    def slow_append(events: Any) -> Any:
        created = original(events)
        import time

        time.sleep(0.3)
        return created

    monkeypatch.setattr(audit, "append", slow_append)

    def approve(actor: Any) -> Any:
        return lambda: engine.bulk_transition(
            GiftRecipient.objects.filter(commune=communes.a, state=G.LISTED),
            "approve",
            actor=actor,
            allowed_roles=OFFICER,
        )

    results = run_together(approve(users.officer), approve(users.officer2))

    assert [kind for kind, _r in results] == ["ok", "ok"], results
    first, second = (r for _k, r in results)
    assert not set(first.moved) & set(second.moved)
    assert sorted(first.moved + second.moved) == sorted(ids)
    assert set(states(ids).values()) == {G.APPROVED}
    per_row = gift_events(transition="approve").values_list("object_id", flat=True)
    assert sorted(int(i) for i in per_row) == sorted(ids)  # one row each, no duplicates
    monkeypatch.undo()
    assert audit.verify().ok


def test_bulk_on_an_empty_id_list_writes_nothing(
    users: SimpleNamespace, communes: SimpleNamespace
) -> None:
    result = engine.bulk_transition(
        GiftRecipient.objects.filter(pk__in=[]), "approve", actor=users.officer,
        allowed_roles=OFFICER,
    )  # fmt: skip
    assert (result.moved, result.refused, result.events) == ([], {}, 0)
