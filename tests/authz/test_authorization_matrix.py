"""Authorization matrix: every URL and API endpoint × every role × own and
other commune → the expected status.

The URL list is read from the URL configuration, so a new endpoint without a
rule here fails `test_every_url_has_a_rule` until someone decides who may use
it. Django's admin is covered by its index and our configuration changelists
(its object pages are guarded by the same staff + model-permission check).

The case under test is in commune A, in state "submitted" (waiting for the
commune A leader). Principals: officer/leader of commune A (own), officer/leader
of commune B (other), the four district roles, an admin with no case role, and
an anonymous visitor; the commune roles of the two-level government (the
culture–society specialist, the chairman, the accountant) of commune A
(specialist_c, chairman, accountant_c) and of commune B (…_b): A and B are
under the district, so the district route applies and these roles read their
commune's general work like its other staff and act on none of it (they act
in a commune with no district above it: tests/authz/test_reorganized_units.py);
for drug rehab also the rehab officer and the head of police of commune A
(rehab, police) and of commune B (rehab_b, police_b) and district rehab staff
(district_rehab, holding the export permission). Rehab roles see no general
case, list or person (404), and every other role gets 404 on every rehab page
and endpoint. The rehab referral under test is commune
A's, on the 2025 route, in draft (waiting for the head of police). Every write
is rolled back after its request.

The URLs are dealt into PARTS parts, one per file (this one and
test_authorization_matrix_2.py, _3.py), so that xdist's workers share them;
each file writes the world once (tests/authz/conftest.py) and checks its part
for every principal, one test per principal.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from cases.demo.base import PDF
from cases.housing.models import HousingState
from notifications.models import Notification
from tests.conftest import api_token, sign_in
from workflows.calendar import add_working_days
from workflows.models import OneStopRecord

# The people of tests/conftest.py's `users` and `rehab_users` (other suites sign
# in as each of them: tests/vietnamese), and the commune staff of the two-level
# government, made in the matrix's world only (tests/authz/conftest.py).
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
    "rehab",
    "police",
    "rehab_b",
    "police_b",
    "district_rehab",
]
COMMUNE_STAFF_OWN = {"specialist_c", "chairman", "accountant_c"}
COMMUNE_STAFF_OTHER = {"specialist_c_b", "chairman_b", "accountant_c_b"}
MATRIX_PRINCIPALS = [
    *PRINCIPALS,
    "specialist_c",
    "chairman",
    "accountant_c",
    "specialist_c_b",
    "chairman_b",
    "accountant_c_b",
]
OWN = {"officer", "leader"} | COMMUNE_STAFF_OWN
OTHER = {"officer_b", "leader_b"} | COMMUNE_STAFF_OTHER
DISTRICT = {"specialist", "head", "accountant", "auditor"}
REHAB_OWN = {"rehab", "police"}
REHAB_OTHER = {"rehab_b", "police_b"}
REHAB = REHAB_OWN | REHAB_OTHER | {"district_rehab"}
GENERAL = OWN | OTHER | DISTRICT
ROLES = GENERAL | REHAB


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {p: overrides.get(p, default) for p in MATRIX_PRINCIPALS}


def web(default: int, **overrides: int) -> dict[str, int]:
    """A web page: anonymous visitors are sent to the login page; the
    configuration admin (staff, no case role) is sent to their landing page."""
    return expect(default, **{"anon": 302, "admin": 302, **overrides})


def api(default: int, **overrides: int) -> dict[str, int]:
    """An API endpoint: anonymous callers get 401, role-less accounts 403."""
    return expect(default, **{"anon": 401, "admin": 403, **overrides})


def not_rehab(table: dict[str, int]) -> dict[str, int]:
    """Rehab roles see nothing of the general processes: 404."""
    table.update({p: 404 for p in REHAB})
    return table


OTHER_NOT_FOUND = {p: 404 for p in OTHER}


def case_read(ok: int, *, kind: Callable[..., dict[str, int]]) -> dict[str, int]:
    """Own commune and district roles read it; another commune gets 404
    (never revealing that the case exists)."""
    return not_rehab(kind(ok, **OTHER_NOT_FOUND))


def only(
    ok: int, who: set[str], *, kind: Callable[..., dict[str, int]], refused: int = 403
) -> dict[str, int]:
    """Only `who` may act; other commune → 404, other roles → `refused`."""
    table = not_rehab(kind(refused, **OTHER_NOT_FOUND))
    table.update({p: ok for p in who})
    return table


def rehab_only(
    ok: int,
    who: set[str],
    *,
    kind: Callable[..., dict[str, int]],
    refused: int = 403,
    visible: frozenset[str] = frozenset({"rehab", "police", "district_rehab"}),
) -> dict[str, int]:
    """A rehab page or endpoint of commune A's referral: `who` may, the other
    rehab roles that see it get `refused`, everyone else 404."""
    table = kind(404)
    table.update({p: refused for p in visible})
    table.update({p: ok for p in who})
    return table


def referral_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.referral.pk}


def rehab_person_json(_w: SimpleNamespace, **extra: Any) -> dict[str, Any]:
    """A new adult in commune A, for filing a rehab case through the API."""
    import datetime as dt

    from tests.factories import national_id_for

    dob = dt.date(1988, 9, 9)
    return {
        "national_id": national_id_for(dob, "F"),
        "full_name": "Vũ Thị Thử",
        "date_of_birth": dob.isoformat(),
        "sex": "F",
        "commune": "00448",
        **extra,
    }


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


def export_job_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.export_job.pk}


def signed_campaign_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.signed_list.campaign_id}


def import_xlsx(_w: SimpleNamespace) -> dict[str, Any]:
    """A one-row import file for the list of `_import_list` (a new person)."""
    import datetime as dt
    import io

    from openpyxl import Workbook

    from cases.gifts.import_rows import COLUMNS
    from tests.factories import national_id_for

    wb = Workbook()
    ws = wb.active
    ws.append([title for _k, title, _w in COLUMNS])
    nid = national_id_for(dt.date(1960, 5, 17), "M")
    ws.append([1, "Nguyễn Văn Thử", "17/05/1960", "Nam", nid, "", "", "xa-qua", 300_000, ""])
    out = io.BytesIO()
    wb.save(out)
    return {"file": SimpleUploadedFile("ds.xlsx", out.getvalue())}


def import_attempt_kwargs(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.import_list.pk, "attempt": w.import_attempt.pk}


def gift_list_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.gift_list.pk}


def gift_campaign_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.gift_list.campaign_id}


def allowance_payroll_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.allowances.payroll.pk}


def allowance_dossier_pk(w: SimpleNamespace) -> dict[str, Any]:
    return {"pk": w.allowances.dossier.pk}


def pdf(_w: SimpleNamespace) -> dict[str, Any]:
    return {"kind": "anh_hien_trang", "file": SimpleUploadedFile("anh.pdf", PDF, "application/pdf")}


def apology(w: SimpleNamespace) -> dict[str, Any]:
    """Mẫu 04 for the case: a new appointment a week after the one in force."""
    due_on = OneStopRecord.objects.get(case_id=w.case.pk).due_on
    return {"new_due_on": add_working_days(due_on, 5).isoformat(), "reason": "Chờ xác minh"}


def REPORT_READ(kind: Callable[..., dict[str, int]]) -> dict[str, int]:  # noqa: N802
    return not_rehab(kind(403, specialist=200, head=200, auditor=200))


def REPORT_DRAFT(kind: Callable[..., dict[str, int]]) -> dict[str, int]:  # noqa: N802
    return not_rehab(kind(403, specialist=200, head=200))


def report_form(w: SimpleNamespace) -> dict[str, Any]:
    return {
        "district": w.case.commune.parent_id,
        "start": "01/01/2024",
        "end": "30/06/2024",
        "issued_on": "05/07/2024",
        "text_intro": "Sửa đoạn mở đầu.",
    }


ADMIN_ONLY = web(302, admin=200)  # Django admin: non-staff are sent to the admin login
REHAB_OK = {p: 200 for p in REHAB}


def SECURITY_ADMIN(ok: int) -> dict[str, int]:  # noqa: N802
    """The administrator's login-security pages: the admin only, others 403."""
    return expect(403, anon=302, admin=ok)


RULES: dict[str, list[Rule]] = {
    # --- public / account pages
    "set_language": [Rule("POST", expect(302), data=lambda w: {"language": "en"})],
    "login": [Rule("GET", expect(302, anon=200))],  # signed-in users are sent on
    "logout": [Rule("POST", expect(302))],
    # --- login security (cases/accounts): one's own password; the second-factor
    # pages send on whoever has nothing to verify (all here: the heads, the
    # accountant and the admin are signed in with their code already); the
    # administrator's pages (lockouts, tokens, second factors) for the admin only.
    "password_change": [Rule("GET", expect(200, anon=302))],
    "otp_verify": [Rule("GET", expect(302))],
    "otp_enrol": [Rule("GET", expect(302))],
    "security_lockouts": [Rule("GET", SECURITY_ADMIN(200))],
    "security_lockout_lift": [
        Rule("POST", SECURITY_ADMIN(302), data=lambda w: {"lockout": w.lockout.pk})
    ],
    "security_accounts": [Rule("GET", SECURITY_ADMIN(200))],
    "security_tokens_revoke": [
        # an account of commune A, and one of commune B: the same for the admin
        Rule("POST", SECURITY_ADMIN(302), kwargs=lambda w: {"pk": w.officer_id}),
        Rule("POST", SECURITY_ADMIN(302), kwargs=lambda w: {"pk": w.officer_b_id}),
    ],
    "security_otp_reset": [
        Rule("POST", SECURITY_ADMIN(302), kwargs=lambda w: {"pk": w.head_id}),
    ],
    "home": [Rule("GET", expect(302))],
    # The administrator's landing page (staff only; the others hold case roles).
    "admin_home": [Rule("GET", SECURITY_ADMIN(200))],
    # The reorganisation of units: the administrator only (a POST without its
    # date is refused with the form: 400).
    "reorganization": [
        Rule("GET", SECURITY_ADMIN(200)),
        Rule("POST", SECURITY_ADMIN(400)),
    ],
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
    # --- drug rehab (cases/views/rehab.py): 404 for every non-rehab role
    "rehab_list": [Rule("GET", web(404, **{p: 200 for p in REHAB}))],
    "rehab_referral_create": [
        # The version in force (2025) is compiled by the head of commune police.
        Rule("GET", web(404, police=200, police_b=200, rehab=403, rehab_b=403, district_rehab=403))
    ],
    "rehab_voluntary_create": [
        Rule("GET", web(404, rehab=200, rehab_b=200, police=403, police_b=403, district_rehab=403))
    ],
    "rehab_export": [
        Rule(
            "POST",
            web(404, **{p: 403 for p in REHAB - {"district_rehab"}}, district_rehab=200),
            data=lambda w: {"purpose": "reporting", "fmt": "csv"},
        )
    ],
    "rehab_read_log": [Rule("GET", web(404, auditor=200, district_rehab=200))],
    "rehab_detail": [  # the purpose prompt
        Rule(
            "GET",
            rehab_only(200, {"rehab", "police", "district_rehab"}, kind=web),
            kwargs=referral_pk,
        )
    ],
    "rehab_open": [
        Rule(
            "POST",
            rehab_only(302, {"rehab", "police", "district_rehab"}, kind=web),
            kwargs=referral_pk,
            data=lambda w: {"purpose": "handling"},
        )
    ],
    "rehab_transition": [
        Rule(
            "POST",
            rehab_only(302, {"police"}, kind=web),
            kwargs=lambda w: {"pk": w.referral.pk, "name": "withdraw"},
            data=lambda w: {"reason": "Thử", "expected_state": "draft"},
        )
    ],
    "rehab_document_upload": [
        Rule(
            "POST",
            rehab_only(302, {"rehab", "police"}, kind=web),
            kwargs=referral_pk,
            data=lambda w: {"kind": "mau_30", "file": pdf(w)["file"]},
        )
    ],
    # Without a purpose given in this session: back to the case page (the prompt).
    "rehab_document_download": [
        Rule(
            "GET",
            rehab_only(302, {"rehab", "police", "district_rehab"}, kind=web),
            kwargs=lambda w: {"pk": w.referral.pk, "doc_pk": w.referral_doc.pk},
        )
    ],
    # The referral is in draft: allowed to the commune, refused as a conflict (409).
    "rehab_checkin": [
        Rule(
            "POST",
            rehab_only(409, {"rehab", "police"}, kind=web),
            kwargs=referral_pk,
            data=lambda w: {"checked_on": w.today, "result": "stable"},
        )
    ],
    "rehab_case_reads": [
        Rule("GET", web(404, auditor=200, district_rehab=200), kwargs=referral_pk)
    ],
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
    # --- audit trail (cases/views/audit.py, cases/api_audit.py): every role reads the
    # events of its own scope; a case's timeline follows the case's visibility; the
    # tamper check is for auditors and the configuration admin only.
    "audit_explorer": [Rule("GET", web(200))],
    "audit_export": [Rule("GET", web(200), query="?fmt=csv")],
    "audit_case": [Rule("GET", case_read(200, kind=web), kwargs=case_pk)],
    # A user's activity: auditors (and administrators) only; for every other role
    # a known name and an unknown one are the same 404 (no names, no account list).
    "audit_user": [
        Rule("GET", web(404, auditor=200), kwargs=lambda w: {"username": "leader_a"}),
        Rule("GET", web(404), kwargs=lambda w: {"username": "no_such_user"}),
    ],
    "audit_verify": [
        Rule("GET", expect(403, anon=302, auditor=200, admin=200)),
        Rule("POST", expect(403, anon=302, auditor=200, admin=200)),
    ],
    "api-audit-events": [Rule("GET", api(200))],
    "api-audit-export": [Rule("GET", api(200), query="?format=csv")],
    "api-audit-verify": [Rule("POST", expect(403, anon=401, auditor=200, admin=200))],
    # Every role has a dashboard: rehab roles see only rehab figures, the
    # others only general ones (tests/dashboard checks which figures).
    "dashboard": [Rule("GET", web(200))],
    "dashboard_xlsx": [Rule("GET", web(200))],
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
    # An import attempt's result and its file back with the refused rows marked:
    # only the officer who uploaded the file (anyone else: "not found").
    "gift_import_result": [
        Rule("GET", web(404, officer=200), kwargs=lambda w: import_attempt_kwargs(w))
    ],
    "gift_import_error_file": [
        Rule("GET", web(404, officer=200), kwargs=lambda w: import_attempt_kwargs(w))
    ],
    "person_list": [Rule("GET", web(200))],
    "person_create": [Rule("GET", web(403, officer=200, officer_b=200, specialist=200))],
    # Process descriptions: drug rehab's only for the rehab roles, as its pages.
    "process_diagram": [
        Rule("GET", web(200), kwargs=lambda w: {"code": "housing"}),
        Rule("GET", web(404, **REHAB_OK), kwargs=lambda w: {"code": "rehab_compulsory"}),
        Rule("GET", web(404, **REHAB_OK), kwargs=lambda w: {"code": "rehab_voluntary"}),
    ],
    "notification_list": [Rule("GET", web(200))],
    "notification_read_all": [Rule("POST", web(302))],
    "notification_preferences": [Rule("GET", web(200))],
    # someone else's notification is "not found"
    "notification_read": [
        Rule("POST", web(404, leader=302), kwargs=lambda w: {"pk": w.notification.pk}),
    ],
    # --- background exports (cases/views/exports.py, cases/api_exports.py): a job and
    # its file are its requester's only (w.export_job: commune A's officer's); 404 for
    # anyone else, whatever their role or commune.
    "export_jobs": [Rule("GET", web(200))],
    "export_job": [Rule("GET", web(404, officer=200), kwargs=export_job_pk)],
    "export_job_status": [Rule("GET", web(404, officer=200), kwargs=export_job_pk)],
    "export_job_download": [Rule("GET", web(404, officer=200), kwargs=export_job_pk)],
    "api-export-job": [Rule("GET", api(404, officer=200), kwargs=export_job_pk)],
    "api-export-job-download": [Rule("GET", api(404, officer=200), kwargs=export_job_pk)],
    # --- REST API
    "api-token": [
        Rule(
            "POST",
            expect(400),
            data=lambda w: {"username": "x", "password": "y"},
            content_type="application/json",
        ),
    ],
    # Revoking one's own token(s): anyone holding one (the admin too).
    "api-token-logout": [Rule("POST", expect(204, anon=401))],
    "api-token-logout-all": [Rule("POST", expect(204, anon=401))],
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
    # --- drug rehab API (cases/api_rehab.py): 404 for every non-rehab role
    "api-rehab-cases": [Rule("GET", api(404, **{p: 200 for p in REHAB}))],
    "api-rehab-referrals": [
        Rule(
            "POST",
            api(404, **{p: 403 for p in REHAB - {"police"}}, police=201),
            data=lambda w: rehab_person_json(w, ground="not_registered"),
            content_type="application/json",
        )
    ],
    "api-rehab-voluntary": [
        Rule(
            "POST",
            api(404, **{p: 403 for p in REHAB - {"rehab"}}, rehab=201),
            data=lambda w: rehab_person_json(w, setting="home"),
            content_type="application/json",
        )
    ],
    "api-rehab-case": [
        Rule(
            "GET",
            rehab_only(200, {"rehab", "police", "district_rehab"}, kind=api),
            kwargs=referral_pk,
            query="?purpose=handling",
        )
    ],
    "api-rehab-case-transition": [
        Rule(
            "POST",
            rehab_only(200, {"police"}, kind=api),
            kwargs=lambda w: {"pk": w.referral.pk, "name": "withdraw"},
            data=lambda w: {"reason": "Thử", "expected_state": "draft"},
            content_type="application/json",
        )
    ],
    "api-rehab-case-checkins": [
        Rule(
            "POST",
            rehab_only(409, {"rehab", "police"}, kind=api),
            kwargs=referral_pk,
            data=lambda w: {"checked_on": w.today, "result": "stable"},
            content_type="application/json",
        )
    ],
    "api-rehab-case-reads": [
        Rule("GET", api(404, auditor=200, district_rehab=200), kwargs=referral_pk)
    ],
    "api-rehab-export": [
        Rule(
            "GET",
            api(404, **{p: 403 for p in REHAB - {"district_rehab"}}, district_rehab=200),
            query="?purpose=reporting",
        )
    ],
    "api-gift-list-import": [
        Rule(
            "POST",
            only(201, {"officer"}, kind=api),
            kwargs=lambda w: {"pk": w.import_list.pk},
            data=import_xlsx,
        )
    ],
    "api-gift-import-error-file": [
        Rule("GET", api(404, officer=200), kwargs=lambda w: import_attempt_kwargs(w))
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
    "campaign_reconciliation_xlsx": [Rule("GET", not_rehab(web(200)), kwargs=signed_campaign_pk)],
    "campaign_reconciliation_docx": [Rule("GET", not_rehab(web(200)), kwargs=signed_campaign_pk)],
    "api-gift-list-signature": [
        Rule("GET", case_read(200, kind=api), kwargs=signed_list_pk, query="?format=docx")
    ],
    "api-campaign-reconciliation": [Rule("GET", not_rehab(api(200)), kwargs=signed_campaign_pk)],
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
    # --- six-month report (cases/views/report.py, cases/api_report.py): the office head and
    # specialists draft it (.docx), auditors read it (page, .xlsx annex, JSON)
    "report_six_month": [Rule("GET", REPORT_READ(web))],
    "report_six_month_docx": [
        Rule("GET", REPORT_DRAFT(web)),
        Rule("POST", REPORT_DRAFT(web), data=report_form),
    ],
    "report_six_month_xlsx": [Rule("GET", REPORT_READ(web))],
    "api-report-six-month": [
        Rule("GET", REPORT_READ(api)),
        Rule("GET", REPORT_DRAFT(api), query="?format=docx"),
        Rule("GET", REPORT_READ(api), query="?format=xlsx"),
    ],
    # Any method, with or without a CSRF token: a JSON 404 (tests/api/test_error_shapes.py).
    "api-not-found": [Rule("GET", expect(404)), Rule("POST", expect(404))],
    # The schema and its docs are public: they describe, they reveal no data.
    "api-schema": [Rule("GET", expect(200))],
    "api-docs": [Rule("GET", expect(200))],
    # --- monthly allowances (cases/allowances/views): w.allowances holds commune A's June
    # payroll submitted for review (waiting for the district specialist), an allowance
    # being paid, and a dossier submitted (waiting for the commune leader) with a document.
    "payroll_list": [Rule("GET", web(200))],
    "payroll_generate": [
        Rule(
            "POST",
            web(403, officer=302, officer_b=400),
            data=lambda w: {"commune": w.allowances.commune_id, "month": "07/2024"},
        )
    ],
    "payroll_detail": [Rule("GET", case_read(200, kind=web), kwargs=allowance_payroll_pk)],
    "payroll_transition": [
        Rule(
            "POST",
            only(302, {"specialist"}, kind=web),
            kwargs=lambda w: {"pk": w.allowances.payroll.pk, "name": "review"},
            data=lambda w: {"expected_state": "submitted"},
        )
    ],
    # Past its draft: the officer is refused as a conflict, the others may not.
    "payroll_regenerate": [
        Rule("POST", only(409, {"officer"}, kind=web), kwargs=allowance_payroll_pk)
    ],
    "payroll_results": [
        Rule("GET", only(200, {"accountant"}, kind=web), kwargs=allowance_payroll_pk)
    ],
    # Not sent for payment yet: the accountant is refused as a conflict.
    "payroll_results_record": [
        Rule(
            "POST",
            only(409, {"accountant"}, kind=web),
            kwargs=allowance_payroll_pk,
            data=lambda w: {"all": "1", "paid_on": w.today},
        )
    ],
    "payroll_unpaid_settle": [
        Rule(
            "POST",
            only(409, {"accountant"}, kind=web),
            kwargs=allowance_payroll_pk,
            data=lambda w: {"how": "carry", "lines": [w.allowances.line.pk]},
        )
    ],
    "payroll_results_import": [
        Rule("GET", only(200, {"accountant"}, kind=web), kwargs=allowance_payroll_pk),
        Rule(
            "POST",
            only(409, {"accountant"}, kind=web),
            kwargs=allowance_payroll_pk,
            data=lambda w: {
                "file": SimpleUploadedFile("ket-qua.csv", b"Ma dong,Ket qua\n1,Da chi\n")
            },
        ),
    ],
    "payroll_document_download": [
        Rule(
            "GET",
            case_read(200, kind=web),
            kwargs=lambda w: {"pk": w.allowances.payroll.pk, "document": "payroll_list_xlsx"},
        )
    ],
    "payroll_summary_xlsx": [Rule("GET", not_rehab(web(200)), query="?month=06/2024")],
    # The dossier is not decided yet: a conflict for whoever sees it.
    "allowance_case_decision_docx": [
        Rule("GET", case_read(409, kind=web), kwargs=allowance_dossier_pk)
    ],
    "entitlement_list": [Rule("GET", web(200))],
    "entitlement_detail": [
        Rule("GET", case_read(200, kind=web), kwargs=lambda w: {"pk": w.allowances.entitlement.pk})
    ],
    "entitlement_transition": [
        Rule(
            "POST",
            only(302, {"specialist", "head"}, kind=web),
            kwargs=lambda w: {"pk": w.allowances.entitlement.pk, "name": "suspend"},
            data=lambda w: {"from_month": "07/2024", "reason": "Thử", "expected_state": "active"},
        )
    ],
    "allowance_case_list": [Rule("GET", web(200))],
    "allowance_case_create": [Rule("GET", web(403, officer=200, officer_b=200))],
    "allowance_case_detail": [Rule("GET", case_read(200, kind=web), kwargs=allowance_dossier_pk)],
    "allowance_case_transition": [
        Rule(
            "POST",
            only(302, {"leader"}, kind=web),
            kwargs=lambda w: {"pk": w.allowances.dossier.pk, "name": "confirm"},
            data=lambda w: {"expected_state": "submitted"},
        )
    ],
    "allowance_case_document_upload": [
        Rule(
            "POST",
            only(302, {"officer", "specialist"}, kind=web),
            kwargs=allowance_dossier_pk,
            data=lambda w: {"kind": "giay_xac_nhan", "file": pdf(w)["file"]},
        )
    ],
    "allowance_case_document_download": [
        Rule(
            "GET",
            case_read(200, kind=web),
            kwargs=lambda w: {"pk": w.allowances.dossier.pk, "doc_pk": w.allowances.document.pk},
        )
    ],
    # --- monthly allowances API (cases/allowances/api.py, api_payrolls.py), the same w.allowances
    "api-allowance-regimes": [Rule("GET", api(200))],  # reference data, any role
    "api-allowance-entitlements": [Rule("GET", api(200))],  # scoped: rehab roles get none
    "api-allowance-entitlement": [
        Rule("GET", case_read(200, kind=api), kwargs=lambda w: {"pk": w.allowances.entitlement.pk})
    ],
    "api-allowance-entitlement-transition": [
        Rule(
            "POST",
            only(200, {"specialist", "head"}, kind=api),
            kwargs=lambda w: {"pk": w.allowances.entitlement.pk, "name": "suspend"},
            data=lambda w: {"from_month": "2024-07", "reason": "Thử", "expected_state": "active"},
            content_type="application/json",
        )
    ],
    # Commune A's person is no one B's officers or the rehab roles may see: 400 on
    # `applicant`, as an id that does not exist; district roles may not open one: 403.
    "api-allowance-dossiers": [
        Rule(
            "POST",
            api(403, officer=201, **{p: 400 for p in OTHER | REHAB}),
            data=lambda w: {
                "commune": w.allowances.payroll.commune.code,
                "applicant": w.allowances.entitlement.person_id,
                "regime": "nguoi_co_cong",
                "category": w.allowances.entitlement.category_id,
                "requested_start_month": "2024-07",
            },
            content_type="application/json",
        )
    ],
    "api-allowance-dossier": [Rule("GET", case_read(200, kind=api), kwargs=allowance_dossier_pk)],
    "api-allowance-dossier-transition": [
        Rule(
            "POST",
            only(200, {"leader"}, kind=api),
            kwargs=lambda w: {"pk": w.allowances.dossier.pk, "name": "confirm"},
            data=lambda w: {"expected_state": "submitted"},
            content_type="application/json",
        )
    ],
    "api-allowance-dossier-documents": [
        Rule(
            "POST",
            only(201, {"officer", "specialist"}, kind=api),
            kwargs=allowance_dossier_pk,
            data=lambda w: {"kind": "giay_xac_nhan", "file": pdf(w)["file"]},
        )
    ],
    "api-allowance-payrolls": [
        Rule("GET", api(200)),
        Rule(
            "POST",
            api(403, officer=201),
            data=lambda w: {"commune": w.allowances.payroll.commune.code, "month": "2024-07"},
            content_type="application/json",
        ),
    ],
    "api-allowance-payroll": [Rule("GET", case_read(200, kind=api), kwargs=allowance_payroll_pk)],
    "api-allowance-payroll-lines": [
        Rule("GET", case_read(200, kind=api), kwargs=allowance_payroll_pk)
    ],
    "api-allowance-payroll-transition": [
        Rule(
            "POST",
            only(200, {"specialist"}, kind=api),
            kwargs=lambda w: {"pk": w.allowances.payroll.pk, "name": "review"},
            data=lambda w: {"expected_state": "submitted"},
            content_type="application/json",
        )
    ],
    # Not sent for payment yet: the accountant is refused as a conflict.
    "api-allowance-payroll-results": [
        Rule(
            "POST",
            only(409, {"accountant"}, kind=api),
            kwargs=allowance_payroll_pk,
            data=lambda w: {"paid": [{"line": w.allowances.line.pk, "paid_on": "2024-06-10"}]},
            content_type="application/json",
        )
    ],
    "api-allowance-payroll-settle": [
        Rule(
            "POST",
            only(409, {"accountant"}, kind=api),
            kwargs=allowance_payroll_pk,
            data=lambda w: {"carry": [w.allowances.line.pk]},
            content_type="application/json",
        )
    ],
    "admin:allowances_allowancestandard_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:allowances_allowancecategory_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:allowances_categoryrate_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:allowances_oneoffrule_changelist": [Rule("GET", ADMIN_ONLY)],
    # --- recuperation lists (cases/allowances/views/recuperation.py): w.recuperation holds
    # commune A's 2024 list submitted (waiting for the office head) and its 2025 list in
    # draft with one person listed and one more whose turn it is.
    "recuperation_lists": [Rule("GET", web(200))],
    # A's list of 2025 exists (opening it again leads to it); B's officer may not choose A.
    "recuperation_list_open": [
        Rule(
            "POST",
            web(403, officer=302, officer_b=400),
            data=lambda w: {"commune": w.recuperation.commune_id, "year": 2025},
        )
    ],
    "recuperation_list_detail": [
        Rule("GET", case_read(200, kind=web), kwargs=lambda w: {"pk": w.recuperation.submitted.pk})
    ],
    "recuperation_list_transition": [
        Rule(
            "POST",
            only(302, {"head"}, kind=web),
            kwargs=lambda w: {"pk": w.recuperation.submitted.pk, "name": "approve"},
            data=lambda w: {"expected_state": "submitted"},
        )
    ],
    "recuperation_rows_add": [
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=lambda w: {"pk": w.recuperation.draft.pk},
            data=lambda w: {
                "people": [w.recuperation.person_id],
                f"mode_{w.recuperation.person_id}": "home",
            },
        )
    ],
    "recuperation_rows_remove": [
        Rule(
            "POST",
            only(302, {"officer"}, kind=web),
            kwargs=lambda w: {"pk": w.recuperation.draft.pk},
            data=lambda w: {"rows": [w.recuperation.row.pk]},
        )
    ],
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
    "admin:cases_unitchange_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:workflows_procedureversion_changelist": [Rule("GET", ADMIN_ONLY)],
    "admin:cases_rehabsupportrate_changelist": [Rule("GET", ADMIN_ONLY)],
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

    from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
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
def world(
    make_case: Any,
    users: SimpleNamespace,
    rehab_users: SimpleNamespace,
    communes: SimpleNamespace,
) -> SimpleNamespace:
    return build_world(make_case, users, rehab_users, communes)


def build_world(
    make_case: Any,
    users: SimpleNamespace,
    rehab_users: SimpleNamespace,
    communes: SimpleNamespace,
) -> SimpleNamespace:
    from tests.factories import PersonFactory

    # One open housing case per person: each case has its own applicant.
    case = make_case(HousingState.SUBMITTED)
    draft = make_case(HousingState.DRAFT, person=PersonFactory(commune=communes.a))
    task = Task.objects.get(
        process_id=case.flow_process_id, status=STATUS.NEW, flow_task_type="HUMAN"
    )
    claimed = make_case(HousingState.SUBMITTED, person=PersonFactory(commune=communes.a))
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
    referral, referral_doc = rehab_referral(communes, rehab_users)
    import datetime as dt

    from django.utils import timezone

    from cases.accounts.models import LoginLockout

    lockout = LoginLockout.objects.create(
        kind="account",
        value="officer_a2",
        started_at=timezone.now(),
        until=timezone.now() + dt.timedelta(minutes=15),
        failures=5,
    )
    return SimpleNamespace(
        allowances=_allowances(users, communes),
        recuperation=_recuperation(users, communes),
        lockout=lockout,
        officer_id=users.officer.pk,
        officer_b_id=users.officer_b.pk,
        head_id=users.head.pk,
        referral=referral,
        referral_doc=referral_doc,
        import_list=import_list,
        import_attempt=_import_attempt(users, import_list),
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
        export_job=_export_job(users),
    )


def _allowances(users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    """Commune A's June 2024 payroll submitted for review, an allowance being
    paid, and a dossier submitted (waiting for the commune leader) with a document."""
    import datetime as dt

    from django.apps import apps

    from cases.allowances import reference
    from cases.allowances import services as allowances
    from cases.allowances.lines import payroll_lines
    from cases.allowances.models import AllowanceCategory, Entitlement
    from cases.models import DocumentRequirement
    from cases.services import DocumentFile, documents_upload
    from tests.factories import PersonFactory
    from workflows import engine

    reference.seed(apps, None)
    category = AllowanceCategory.objects.get(code="than_nhan_1_liet_si")
    entitlement = Entitlement.objects.create(
        person=PersonFactory.create(commune=communes.a), regime=category.regime, category=category,
        commune=communes.a, start_month=dt.date(2024, 1, 1), decision_number="12/QĐ-UBND",
        decision_date=dt.date(2023, 12, 20),
    )  # fmt: skip
    payroll = allowances.payroll_generate(
        actor=users.officer, commune=communes.a, month=dt.date(2024, 6, 1)
    )
    engine.transition(payroll, "submit", actor=users.officer)
    DocumentRequirement.objects.get_or_create(
        process="allowance", program="", kind="giay_xac_nhan",
        defaults={"label": "Giấy xác nhận của xã", "required": False},
    )  # fmt: skip
    dossier = allowances.allowance_case_create(
        actor=users.officer, commune=communes.a, applicant=PersonFactory.create(commune=communes.a),
        regime=category.regime, category=category, requested_start_month=dt.date(2024, 6, 1),
    )  # fmt: skip
    pdf_file = SimpleUploadedFile("xac-nhan.pdf", PDF, "application/pdf")
    documents_upload(
        actor=users.officer, case=dossier, files=[DocumentFile("giay_xac_nhan", pdf_file)]
    )
    engine.transition(dossier, "submit", actor=users.officer)
    return SimpleNamespace(
        commune_id=communes.a.pk,
        payroll=payroll,
        line=payroll_lines(payroll).first(),
        entitlement=entitlement,
        dossier=dossier,
        document=dossier.documents.get(),
    )


def _recuperation(users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    """Commune A's recuperation list of 2024 submitted (waiting for the office head)
    and its list of 2025 in draft with one person on it and one more whose turn it is."""
    import datetime as dt

    from django.apps import apps

    from cases.allowances import recuperation as recup
    from cases.allowances import reference
    from cases.allowances.models import (
        AllowanceCategory,
        Entitlement,
        Recuperation,
        RecuperationList,
        RecuperationQuota,
    )
    from tests.factories import PersonFactory

    reference.seed(apps, None)
    mother = AllowanceCategory.objects.get(code="ba_me_vnah")
    held = [
        Entitlement.objects.create(
            person=PersonFactory.create(commune=communes.a),
            regime=mother.regime,
            category=mother,
            commune=communes.a,
            start_month=dt.date(2020, 1, 1),
        )
        for _ in range(3)
    ]
    for year in (2024, 2025):
        RecuperationQuota.objects.create(area=communes.a, year=year, quota=10)
    # Made in its state: the list's own tests take it there through the engine.
    submitted = RecuperationList.objects.create(
        commune=communes.a, year=2024, created_by=users.officer, state="submitted"
    )
    Recuperation.objects.create(
        recuperation_list=submitted, commune=communes.a, person=held[0].person,
        entitlement=held[0], category=mother, year=2024, mode="home", amount=1_849_500,
    )  # fmt: skip
    draft = recup.recuperation_list_open(actor=users.officer, commune=communes.a, year=2025)
    recup.recuperation_rows_add(
        actor=users.officer, recuperation_list=draft, choices={held[1].person_id: "centre"}
    )
    return SimpleNamespace(
        commune_id=communes.a.pk,
        submitted=submitted,
        draft=draft,
        row=draft.rows.get(),
        person_id=held[2].person_id,
    )


def _export_job(users: SimpleNamespace) -> Any:
    """A finished background export (audit trail, .csv) of commune A's officer."""
    from django.core.files.base import ContentFile

    from cases.exports.models import ExportJob

    job = ExportJob.objects.create(
        requester=users.officer, kind="audit_events", fmt="csv", status="done",
        filename="nhat-ky.csv", content_type="text/csv; charset=utf-8",
    )  # fmt: skip
    job.file.save("nhat-ky.csv", ContentFile(b"id\n1\n"))
    return job


def _import_list(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """A gift list of commune A being prepared, with one package open to anyone."""
    import datetime as dt

    from cases.gifts.models import Campaign, GiftPackage
    from cases.gifts.services import gift_list_open

    campaign = Campaign.objects.create(
        code="authz-import", name="Tết thử", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    GiftPackage.objects.create(
        campaign=campaign, code="xa-qua", name="Quà xã", source="commune", amount=300_000
    )
    return gift_list_open(actor=users.officer, campaign=campaign, commune=communes.a)


def _import_attempt(users: SimpleNamespace, import_list: Any) -> Any:
    """The officer's refused upload of the one-row file (row 2 refused)."""
    from cases.gifts.models import GiftImportAttempt

    content = import_xlsx(SimpleNamespace())["file"].read()
    return GiftImportAttempt.objects.create(
        gift_list=import_list,
        actor=users.officer,
        file_name="danh-sach.xlsx",
        sha256="0" * 64,
        content=content,
        outcome="refused",
        header_row=1,
        rows_read=1,
        columns={"sex": 4},
        errors=[
            {
                "row": 2,
                "column": "Giới tính (Nam/Nữ)",
                "code": "bad_sex",
                "message": "Ghi Nam hoặc Nữ.",
            }
        ],
    )


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _submitted_gift_list(users: SimpleNamespace, communes: SimpleNamespace) -> Any:
    """Commune A's list of a campaign of its own, with one row, submitted through
    the engine: waiting for the commune A leader (its process task too)."""
    import datetime as dt

    from cases.gifts import services as gifts
    from cases.gifts.models import Campaign, CampaignBudget, GiftList, GiftPackage
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


def rehab_referral(communes: SimpleNamespace, rehab_users: SimpleNamespace) -> tuple[Any, Any]:
    """Commune A's 2025-route referral in draft, filed by its head of police,
    with one document."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.rehab.services import referral_create, rehab_person
    from cases.services import document_upload
    from tests.factories import national_id_for

    dob = dt.date(1991, 3, 4)
    person = rehab_person(
        actor=rehab_users.police,
        commune=communes.a,
        national_id=national_id_for(dob, "M"),
        full_name="Lê Văn Thử",
        date_of_birth=dob,
        sex="M",
    )
    referral = referral_create(
        actor=rehab_users.police, commune=communes.a, applicant=person, ground="not_registered"
    )
    doc = document_upload(
        actor=rehab_users.police,
        case=referral,
        kind="mau_27",
        upload=SimpleUploadedFile("bb.pdf", PDF, "application/pdf"),
    )
    return referral, doc


def client_for(principal: str, users: SimpleNamespace, *, api_call: bool) -> Client:
    client = Client()
    if principal == "anon":
        return client
    user = getattr(users, principal if principal != "admin" else "admin")
    if api_call:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token(user)}"
    else:
        sign_in(client, user)
    return client


def fire(client: Client, rule: Rule, url: str, w: SimpleNamespace) -> int:
    """The request's status; what it wrote is rolled back and the client's
    cookies are put back, so the next request finds the session as it was."""
    data = rule.data(w)
    status = 0
    cookies = copy.deepcopy(client.cookies)
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
    finally:
        client.cookies = cookies
    return status


# xdist deals whole files to its two workers: the matrix's URLs are dealt into
# PARTS parts, this file's and test_authorization_matrix_2.py's, _3.py's (each
# names its PART), every part checked for every principal, own commune and other.
PARTS = 3


def part_urls(part: int) -> list[tuple[str, str]]:
    return project_urls()[part::PARTS]


def test_the_parts_check_every_url_and_every_rule_once() -> None:
    from collections import Counter
    from importlib import import_module

    parts = [part_urls(p) for p in range(PARTS)]
    assert Counter(u for urls in parts for u in urls) == Counter(project_urls())
    # No rule for a URL that no longer exists (it would never be checked).
    assert sum(len(RULES[name]) for urls in parts for _route, name in urls) == sum(
        len(r) for r in RULES.values()
    )
    for p in range(1, PARTS):
        assert import_module(f"tests.authz.test_authorization_matrix_{p + 1}").PART == p


def check_part(part: int, principal: str, matrix: SimpleNamespace, settings: Any) -> None:
    """Every rule of the part's URLs, as `principal`: one signed-in client
    (one API token) asks them all."""
    from django.urls import reverse

    # Every principal asks the token endpoint: its rate limit is not under test here.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth_token": "1000/minute"},
    }
    world = matrix.world
    clients: dict[bool, Client] = {}
    mismatches = []
    checked = 0
    for _route, name in part_urls(part):
        for rule in RULES[name]:
            if name == "api-not-found":
                url = "/api/v1/no-such-endpoint/"
            else:
                url = reverse(name, kwargs=rule.kwargs(world))
            api_call = url.startswith("/api/")
            if api_call not in clients:
                clients[api_call] = client_for(principal, matrix.people, api_call=api_call)
            status = fire(clients[api_call], rule, url, world)
            checked += 1
            if status != rule.expected[principal]:
                mismatches.append(
                    f"{rule.method} {url} as {principal}: "
                    f"got {status}, expected {rule.expected[principal]}"
                )
    assert not mismatches, f"{len(mismatches)} of {checked}:\n" + "\n".join(mismatches)
    assert checked == sum(len(RULES[name]) for _route, name in part_urls(part))


@pytest.mark.parametrize("principal", MATRIX_PRINCIPALS)
def test_authorization_matrix(
    principal: str, matrix_world: SimpleNamespace, db: Any, settings: Any
) -> None:
    check_part(0, principal, matrix_world, settings)


def test_every_role_is_a_principal_in_its_commune_and_another(
    matrix_world: SimpleNamespace, db: Any
) -> None:
    """A role added to `Role` fails here until the matrix signs in as it: a
    district role once, a commune role in commune A (the world's) and in another."""
    from workflows.permissions import COMMUNE_ROLES, Role, forget_scope, is_admin, scope_for

    commune_a = matrix_world.world.case.commune_id
    held: dict[str, set[int | None]] = {}
    for principal in MATRIX_PRINCIPALS:
        if principal == "anon":
            continue
        user = getattr(matrix_world.people, principal)
        forget_scope(user)
        scope = scope_for(user)
        for role in scope.district_roles:
            held.setdefault(role, set()).add(None)
        for role, ids in scope.commune_roles.items():
            held.setdefault(role, set()).update(ids)
        if is_admin(user):
            held.setdefault(Role.ADMIN, set()).add(None)
    assert set(held) == set(Role)
    for role in COMMUNE_ROLES:
        assert commune_a in held[role] and held[role] - {commune_a}, role
