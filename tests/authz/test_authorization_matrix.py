"""Authorization matrix: every URL and API endpoint × every role × own and
other commune → the expected status.

The URL list is read from the URL configuration, so a new endpoint without a
rule here fails `test_every_url_has_a_rule` until someone decides who may use
it. Django's admin is covered by its index and our configuration changelists
(its object pages are guarded by the same staff + model-permission check).

The case under test is in commune A, in state "submitted" (waiting for the
commune A leader). Principals: officer/leader of commune A (own), officer/leader
of commune B (other), the four district roles, an admin with no case role, and
an anonymous visitor. Every write is rolled back after its request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.demo import PDF
from cases.models import HousingState
from notifications.models import Notification
from workflows.calendar import add_working_days
from workflows.models import OneStopRecord

PRINCIPALS = [
    "anon",
    "officer",
    "leader",
    "officer_b",
    "leader_b",
    "specialist",
    "head",
    "accountant",
    "auditor",
    "admin",
]
OWN = {"officer", "leader"}
OTHER = {"officer_b", "leader_b"}
DISTRICT = {"specialist", "head", "accountant", "auditor"}
ROLES = OWN | OTHER | DISTRICT


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {p: overrides.get(p, default) for p in PRINCIPALS}


def web(default: int, **overrides: int) -> dict[str, int]:
    """A web page: anonymous visitors are sent to the login page; the
    configuration admin (staff, no case role) is sent to the admin site."""
    return expect(default, **{"anon": 302, "admin": 302, **overrides})


def api(default: int, **overrides: int) -> dict[str, int]:
    """An API endpoint: anonymous callers get 401, role-less accounts 403."""
    return expect(default, **{"anon": 401, "admin": 403, **overrides})


def case_read(ok: int, *, kind: Callable[..., dict[str, int]]) -> dict[str, int]:
    """Own commune and district roles read it; another commune gets 404
    (never revealing that the case exists)."""
    return kind(ok, officer_b=404, leader_b=404)


def only(
    ok: int, who: set[str], *, kind: Callable[..., dict[str, int]], refused: int = 403
) -> dict[str, int]:
    """Only `who` may act; other commune → 404, other roles → `refused`."""
    table = kind(refused, officer_b=404, leader_b=404)
    table.update({p: ok for p in who})
    return table


@dataclass
class Rule:
    method: str
    expected: dict[str, int]
    kwargs: Callable[[SimpleNamespace], dict[str, Any]] = lambda w: {}
    data: Callable[[SimpleNamespace], Any] = lambda w: None
    content_type: str | None = None
    query: str = ""


def case_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.case.pk}


def signed_list_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.signed_list.pk}


def signed_campaign_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.signed_list.campaign_id}


def import_xlsx(_w: SimpleNamespace) -> dict[str, Any]:
    """A one-row import file for the list of `_import_list` (a new person)."""
    import datetime as dt
    import io

    from openpyxl import Workbook

    from cases.gift_import import COLUMNS
    from tests.factories import national_id_for

    wb = Workbook()
    ws = wb.active
    ws.append([title for _k, title, _w in COLUMNS])
    nid = national_id_for(dt.date(1960, 5, 17), "M")
    ws.append([1, "Nguyễn Văn Thử", "17/05/1960", "Nam", nid, "", "", "xa-qua", 300_000, ""])
    out = io.BytesIO()
    wb.save(out)
    return {"file": SimpleUploadedFile("ds.xlsx", out.getvalue())}


def gift_list_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.gift_list.pk}


def gift_campaign_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.gift_list.campaign_id}


def pdf(_w: SimpleNamespace) -> dict[str, Any]:
    return {"kind": "anh_hien_trang", "file": SimpleUploadedFile("anh.pdf", PDF, "application/pdf")}


def apology(w: SimpleNamespace) -> dict[str, Any]:
    """Mẫu 04 for the case: a new appointment a week after the one in force."""
    due_on = OneStopRecord.objects.get(case_id=w.case.pk).due_on
    return {"new_due_on": add_working_days(due_on, 5).isoformat(), "reason": "Chờ xác minh"}


ADMIN_ONLY = web(302, admin=200)  # Django admin: non-staff are sent to the admin login

RULES: dict[str, list[Rule]] = {
    # --- public / account pages
    "set_language": [Rule("POST", expect(302), data=lambda w: {"language": "en"})],
    "login": [Rule("GET", expect(302, anon=200))],  # signed-in users are sent on
    "logout": [Rule("POST", expect(302))],
    "home": [Rule("GET", expect(302))],
    # --- web UI
    "inbox": [Rule("GET", web(200))],
    "queue": [Rule("GET", web(200))],
    "task_claim": [
        Rule(
            "POST", only(302, {"leader"}, kind=web, refused=404), kwargs=lambda w: {"pk": w.task.pk}
        )
    ],
    "task_release": [
        Rule(
            "POST",
            only(302, {"leader"}, kind=web, refused=404),
            kwargs=lambda w: {"pk": w.claimed_task.pk},
        )
    ],
    "case_list": [Rule("GET", web(200))],
    "case_create": [Rule("GET", web(403, officer=200, officer_b=200))],
    "case_detail": [Rule("GET", case_read(200, kind=web), kwargs=case_pk)],
    "case_edit": [
        Rule("GET", only(200, {"officer"}, kind=web), kwargs=lambda w: {"pk": w.draft.pk})
    ],
    "case_transition": [
        Rule(
            "POST",
            only(302, {"leader"}, kind=web),
            kwargs=lambda w: {"pk": w.case.pk, "name": "verify"},
            data=lambda w: {"expected_state": HousingState.SUBMITTED},
        ),
    ],
    "case_document_upload": [
        Rule("POST", only(302, {"officer", "specialist"}, kind=web), kwargs=case_pk, data=pdf),
    ],
    "case_document_download": [
        Rule(
            "GET",
            case_read(200, kind=web),
            kwargs=lambda w: {"pk": w.case.pk, "doc_pk": w.document.pk},
        ),
    ],
    "case_apology": [
        Rule("POST", only(302, {"officer", "leader"}, kind=web), kwargs=case_pk, data=apology)
    ],
    "onestop_kpi": [Rule("GET", web(200))],
    # Import of a gift list (.xlsx): the officer of the list's commune only.
    "gift_list_import_template": [
        Rule("GET", only(200, {"officer"}, kind=web), kwargs=lambda w: {"pk": w.import_list.pk})
    ],
    "gift_list_import": [
        Rule("GET", only(200, {"officer"}, kind=web), kwargs=lambda w: {"pk": w.import_list.pk}),
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=lambda w: {"pk": w.import_list.pk},
            data=import_xlsx,
        ),
    ],
    "person_create": [Rule("GET", web(403, officer=200, officer_b=200, specialist=200))],
    "process_diagram": [Rule("GET", web(200), kwargs=lambda w: {"code": "housing"})],
    "notification_list": [Rule("GET", web(200))],
    "notification_read_all": [Rule("POST", web(302))],
    "notification_preferences": [Rule("GET", web(200))],
    # someone else's notification is "not found"
    "notification_read": [
        Rule("POST", web(404, leader=302), kwargs=lambda w: {"pk": w.notification.pk}),
    ],
    # --- REST API
    "api-token": [
        Rule(
            "POST",
            expect(400),
            data=lambda w: {"username": "x", "password": "y"},
            content_type="application/json",
        ),
    ],
    "api-communes": [Rule("GET", api(200))],
    "api-people": [Rule("GET", api(200))],
    "api-person": [
        Rule("GET", case_read(200, kind=api), kwargs=lambda w: {"pk": w.case.applicant_id})
    ],
    "api-housing": [Rule("GET", api(200))],
    "api-case": [Rule("GET", case_read(200, kind=api), kwargs=case_pk)],
    "api-case-documents": [
        Rule("POST", only(201, {"officer", "specialist"}, kind=api), kwargs=case_pk, data=pdf),
    ],
    "api-case-transition": [
        Rule(
            "POST",
            only(200, {"leader"}, kind=api),
            kwargs=lambda w: {"pk": w.case.pk, "name": "verify"},
            data=lambda w: {"expected_state": HousingState.SUBMITTED},
            content_type="application/json",
        ),
    ],
    "api-case-apology": [
        Rule(
            "POST",
            only(201, {"officer", "leader"}, kind=api),
            kwargs=case_pk,
            data=apology,
            content_type="application/json",
        )
    ],
    "api-onestop-kpi": [Rule("GET", api(200))],
    "api-gift-list-import": [
        Rule(
            "POST",
            only(201, {"officer"}, kind=api),
            kwargs=lambda w: {"pk": w.import_list.pk},
            data=import_xlsx,
        )
    ],
    "api-case-audit": [Rule("GET", case_read(200, kind=api), kwargs=case_pk)],
    "api-tasks": [Rule("GET", api(200), query="?scope=queue")],
    "api-task-claim": [
        Rule(
            "POST", only(200, {"leader"}, kind=api, refused=404), kwargs=lambda w: {"pk": w.task.pk}
        ),
    ],
    # --- gift campaign documents: the list read through its scope; campaigns by any role
    "gift_list_signature_xlsx": [Rule("GET", case_read(200, kind=web), kwargs=signed_list_pk)],
    "gift_list_signature_docx": [Rule("GET", case_read(200, kind=web), kwargs=signed_list_pk)],
    "campaign_reconciliation_xlsx": [Rule("GET", web(200), kwargs=signed_campaign_pk)],
    "campaign_reconciliation_docx": [Rule("GET", web(200), kwargs=signed_campaign_pk)],
    "api-gift-list-signature": [
        Rule("GET", case_read(200, kind=api), kwargs=signed_list_pk, query="?format=docx")
    ],
    "api-campaign-reconciliation": [Rule("GET", api(200), kwargs=signed_campaign_pk)],
    # --- gift campaigns UI and API (cases/views/gifts.py, cases/api.py): w.gift_list is
    # commune A's list waiting for its leader; w.signed_list is approved (deliveries).
    "campaign_list": [Rule("GET", web(200))],
    "campaign_detail": [Rule("GET", web(200), kwargs=gift_campaign_pk)],
    "campaign_list_open": [
        # Commune A's list exists (opening it again leads to it); B's officer opens B's.
        Rule("POST", web(403, officer=302, officer_b=302), kwargs=gift_campaign_pk)
    ],
    "campaign_review_lists": [Rule("POST", web(403, specialist=302), kwargs=gift_campaign_pk)],
    "campaign_approve_lists": [Rule("POST", web(403, head=302), kwargs=gift_campaign_pk)],
    # Allowed to the specialist, refused as a conflict: A's list is not closed.
    "campaign_reconcile": [Rule("POST", web(403, specialist=409), kwargs=gift_campaign_pk)],
    "gift_list_detail": [Rule("GET", case_read(200, kind=web), kwargs=gift_list_pk)],
    "gift_list_transition": [
        Rule(
            "POST",
            only(302, {"leader"}, kind=web),
            kwargs=lambda w: {"pk": w.gift_list.pk, "name": "confirm"},
            data=lambda w: {"expected_state": "submitted"},
        )
    ],
    "gift_list_build": [
        Rule("POST", only(302, {"officer"}, kind=web), kwargs=lambda w: {"pk": w.import_list.pk})
    ],
    "gift_list_remove_rows": [
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=lambda w: {"pk": w.import_list.pk},
            data=lambda w: {"rows": []},
        )
    ],
    "gift_list_deliver": [
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=signed_list_pk,
            data=lambda w: {"all": "1", "delivered_on": w.today},
        )
    ],
    "gift_list_return": [
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=signed_list_pk,
            data=lambda w: {"rows": [w.signed_row.pk], "reason": "moved"},
        )
    ],
    "api-campaigns": [Rule("GET", api(200))],
    "api-campaign": [Rule("GET", api(200), kwargs=gift_campaign_pk)],
    "api-gift-lists": [Rule("GET", api(200))],
    "api-gift-list": [Rule("GET", case_read(200, kind=api), kwargs=gift_list_pk)],
    "api-gift-list-rows": [Rule("GET", case_read(200, kind=api), kwargs=gift_list_pk)],
    "api-gift-list-transition": [
        Rule(
            "POST",
            only(200, {"leader"}, kind=api),
            kwargs=lambda w: {"pk": w.gift_list.pk, "name": "confirm"},
            data=lambda w: {"expected_state": "submitted"},
            content_type="application/json",
        )
    ],
    "api-gift-list-deliveries": [
        Rule(
            "POST",
            only(200, {"officer"}, kind=api),
            kwargs=signed_list_pk,
            data=lambda w: {"delivered_on": w.today},
            content_type="application/json",
        )
    ],
    "api-gift-list-returns": [
        Rule(
            "POST",
            only(200, {"officer"}, kind=api),
            kwargs=signed_list_pk,
            data=lambda w: {"row_ids": [w.signed_row.pk], "reason": "moved"},
            content_type="application/json",
        )
    ],
    "api-not-found": [Rule("GET", expect(404))],
    # The schema and its docs are public: they describe, they reveal no data.
    "api-schema": [Rule("GET", expect(200))],
    "api-docs": [Rule("GET", expect(200))],
    # --- Django admin (configuration only)
    "admin:index": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_housingcap_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_budget_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:workflows_onestopprocedure_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_campaign_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:workflows_officedayoff_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:workflows_makeupworkday_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:workflows_steptimelimit_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:notifications_notification_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_documentrequirement_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_administrativeunit_changelist": [Rule("GET", ADMIN_ONLY)],
}


def walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield prefix + str(p.pattern), name


def project_urls() -> list[tuple[str, str]]:
    """Every URL of the project, Django admin reduced to the pages in RULES."""
    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if not route.startswith("admin/") or name in RULES
    ]


def test_every_url_has_a_rule() -> None:
    missing = [
        f"{route} (name={name or '—'})" for route, name in project_urls() if name not in RULES
    ]
    assert not missing, "URLs without an authorization rule: " + ", ".join(missing)


class _Rollback(Exception):
    pass


def approved_gift_list(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """A campaign of its own with commune A's list approved, three rows (the
    signature list and reconciliation documents)."""
    import datetime as dt

    from cases.models import Campaign, GiftList, GiftPackage, GiftRecipient
    from tests.factories import PersonFactory

    campaign = Campaign.objects.create(
        code="authz-documents", name="Tết thử", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="tp", name="Quà TP", source="city", amount=500_000
    )
    gift_list = GiftList.objects.create(
        campaign=campaign, commune=communes.a, created_by=users.officer, state="approved"
    )
    people: list[Any] = [PersonFactory(commune=communes.a) for _ in range(3)]
    GiftRecipient.objects.bulk_create(
        GiftRecipient(
            gift_list=gift_list,
            package=package,
            commune=communes.a,
            person=person,
            amount=package.amount,
            state="approved",
        )
        for person in people
    )
    return gift_list


@pytest.fixture
def world(make_case: Any, users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    case = make_case(HousingState.SUBMITTED)
    draft = make_case(HousingState.DRAFT)
    task = Task.objects.get(
        process_id=case.flow_process_id, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    claimed = make_case(HousingState.SUBMITTED)
    claimed_task = Task.objects.get(
        process_id=claimed.flow_process_id, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    from workflows.flows import task_claim

    task_claim(claimed_task, users.leader)
    notification = Notification.objects.filter(recipient=users.leader).first()
    assert notification is not None
    signed_list = approved_gift_list(users, communes)
    gift_list = _submitted_gift_list(users, communes)
    import_list = _import_list(users, communes)
    return SimpleNamespace(
        import_list=import_list,
        signed_list=signed_list,
        signed_row=signed_list.rows.order_by("id").first(),
        gift_list=gift_list,
        today=_today(),
        case=case,
        draft=draft,
        task=task,
        claimed_task=claimed_task,
        document=case.documents.first(),
        notification=notification,
    )


def _import_list(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """A gift list of commune A being prepared, with one package open to anyone."""
    import datetime as dt

    from cases.gifts import gift_list_open
    from cases.models import Campaign, GiftPackage

    campaign = Campaign.objects.create(
        code="authz-import", name="Tết thử", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    GiftPackage.objects.create(
        campaign=campaign, code="xa-qua", name="Quà xã", source="commune", amount=300_000
    )
    return gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _submitted_gift_list(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """Commune A's list of a campaign of its own, with one row, submitted through
    the engine: waiting for the commune A leader (its process task too)."""
    import datetime as dt

    from cases import gifts
    from cases.models import Campaign, CampaignBudget, GiftList, GiftPackage
    from tests.factories import PersonFactory
    from workflows import engine

    campaign = Campaign.objects.create(
        code="authz-gift-ui", name="Tết thử UI", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="ui-qua", name="Quà UI", source="district", amount=200_000
    )
    CampaignBudget.objects.create(campaign=campaign, source="district", allocated=10**9)
    gift_list = gifts.gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)
    person: Any = PersonFactory(commune=communes.a)
    gifts.gift_rows_add(
        actor=users.officer, gift_list=gift_list, pairs=[(person.pk, package)], how="registry"
    )
    engine.transition(gift_list, "submit", actor=users.officer)
    return GiftList.objects.get(pk=gift_list.pk)


def client_for(principal: str, users: SimpleNamespace, *, api_call: bool) -> Client:
    client = Client()
    if principal == "anon":
        return client
    user = getattr(users, principal if principal != "admin" else "admin")
    if api_call:
        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    else:
        client.force_login(user)
    return client


def fire(client: Client, rule: Rule, url: str, w: SimpleNamespace) -> int:
    data = rule.data(w)
    status = 0
    try:
        with transaction.atomic():
            if rule.method == "GET":
                status = client.get(url + rule.query).status_code
            elif rule.content_type:
                status = client.generic(
                    rule.method,
                    url,
                    data=__import__("json").dumps(data),
                    content_type=rule.content_type,
                ).status_code
            else:
                status = client.post(url, data=data or {}).status_code
            raise _Rollback
    except _Rollback:
        pass
    return status


def test_authorization_matrix(world: SimpleNamespace, users: SimpleNamespace) -> None:
    from django.urls import reverse

    mismatches = []
    checked = 0
    for _route, name in project_urls():
        for rule in RULES[name]:
            if name == "api-not-found":
                url = "/api/v1/no-such-endpoint/"
            else:
                url = reverse(name, kwargs=rule.kwargs(world))
            for principal in PRINCIPALS:
                client = client_for(principal, users, api_call=url.startswith("/api/"))
                status = fire(client, rule, url, world)
                checked += 1
                if status != rule.expected[principal]:
                    mismatches.append(
                        f"{rule.method} {url} as {principal}: "
                        f"got {status}, expected {rule.expected[principal]}"
                    )
    assert not mismatches, f"{len(mismatches)} of {checked}:\n" + "\n".join(mismatches)
    assert checked == len(PRINCIPALS) * sum(len(r) for r in RULES.values())
