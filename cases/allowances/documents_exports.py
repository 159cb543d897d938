"""The allowances' documents as the pages and the API hand them out: each
export checks the state it needs, writes an "export" audit event and returns
the file, or, for a list longer than EXPORT_DOCUMENT_INLINE_MAX_ROWS, queues
a background job (kind "allowance_document", registered in
`AllowancesConfig.ready`) built as the requester, in scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.allowances.documents import (
    bank_transfer_csv,
    month_text,
    payroll_list_docx,
    payroll_list_xlsx,
    post_office_list_xlsx,
)
from cases.allowances.documents_data import pay_rows_count
from cases.allowances.documents_reports import (
    entitlement_decision_docx,
    monthly_summary_xlsx,
    payroll_reconciliation_xlsx,
)
from cases.allowances.models import (
    AllowanceCase,
    DecisionState,
    PaymentMethod,
    Payroll,
    PayrollState,
)
from cases.allowances.rates import month_start
from cases.allowances.selectors import payroll_get
from cases.exports.kinds import Built, ExportKind, Progress, document_inline_max_rows
from cases.exports.models import ExportJob
from cases.exports.services import export_job_create
from cases.exports.tabular import XLSX
from workflows import audit
from workflows.actors import Reader, User
from workflows.exceptions import DomainError, NotFound, TransitionNotAllowed
from workflows.permissions import scope_for

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = "text/csv; charset=utf-8"
DOCUMENT_KIND = "allowance_document"
P = PayrollState
SENT_ON = (P.APPROVED, P.SENT, P.RECONCILED, P.CLOSED)
RESULTS_ON = (P.SENT, P.RECONCILED, P.CLOSED)
ANY_STATE = tuple(P.values)


@dataclass(frozen=True)
class ExportedFile:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class PayrollDocument:
    """One document of a payroll: its builder, type, file name stem, the
    payroll states it may be printed in, and the payment method whose rows
    it lists (for the row count)."""

    build: Callable[[Payroll], bytes]
    fmt: str
    stem: str
    states: tuple[str, ...]
    method: str = ""


PAYROLL_DOCUMENTS: dict[str, PayrollDocument] = {
    "post_office_list": PayrollDocument(
        post_office_list_xlsx, "xlsx", "danh-sach-chi-tra-buu-dien", SENT_ON, PaymentMethod.POST
    ),
    "bank_transfer": PayrollDocument(
        bank_transfer_csv, "csv", "chuyen-khoan-tro-cap", SENT_ON, PaymentMethod.BANK
    ),
    "payroll_list_xlsx": PayrollDocument(payroll_list_xlsx, "xlsx", "danh-sach-chi-tra", ANY_STATE),
    "payroll_list_docx": PayrollDocument(payroll_list_docx, "docx", "danh-sach-chi-tra", ANY_STATE),
    "reconciliation": PayrollDocument(
        payroll_reconciliation_xlsx, "xlsx", "doi-chieu-chi-tra", RESULTS_ON
    ),
}
TYPES = {"xlsx": XLSX, "docx": DOCX, "csv": CSV}
# How the trail names a document where another process uses the same code.
AUDIT_NAMES = {"reconciliation": "payroll_reconciliation"}
# What the trail calls each document (registered with it in apps.py).
DOCUMENT_LABELS = {
    "post_office_list": gettext_lazy("Payment list for the post office"),
    "bank_transfer": gettext_lazy("Bank transfer file"),
    "payroll_list_xlsx": gettext_lazy("Allowance payment list"),
    "payroll_list_docx": gettext_lazy("Allowance payment list"),
    "payroll_reconciliation": gettext_lazy("Reconciliation of the allowance payroll"),
    "monthly_summary": gettext_lazy("Monthly summary by regime and category"),
    "entitlement_decision": gettext_lazy("Allowance decision"),
}


def _actor_role(actor: User, commune_id: int | None) -> str:
    scope = scope_for(actor)
    roles = scope.roles_in(commune_id) if commune_id else scope.all_roles()
    return sorted(roles)[0] if roles else ""


def _record_export(
    actor: User, *, commune_id: int | None, object_type: str, object_id: Any, data: dict[str, Any]
) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            actor_role=_actor_role(actor, commune_id),
            commune_id=commune_id,
            object_type=object_type,
            object_id=str(object_id),
            event="export",
            data=data,
        )


def payroll_filename(payroll: Payroll, document: str) -> str:
    spec = PAYROLL_DOCUMENTS[document]
    month = month_text(payroll.month).replace("/", "-")
    return f"{spec.stem}-{payroll.commune.code}-{month}.{spec.fmt}"


def payroll_document_export(
    *, actor: User, payroll: Payroll, document: str
) -> ExportedFile | ExportJob:
    """A document of a payroll the actor sees (fetched through
    `selectors.payroll_get`): `document` one of PAYROLL_DOCUMENTS. Refused
    (TransitionNotAllowed "payroll_state") before the state it needs: the
    payment lists once approved, the reconciliation once sent. Writes an
    "export" audit event; a list of more rows than
    EXPORT_DOCUMENT_INLINE_MAX_ROWS is queued as a job, returned instead."""
    spec = PAYROLL_DOCUMENTS.get(document)
    if spec is None:
        raise NotFound()
    if payroll.state not in spec.states:
        raise TransitionNotAllowed(
            _("This document can be printed once the payroll is approved.")
            if spec.states == SENT_ON
            else _("This document can be printed once the payroll is sent for payment."),
            code="payroll_state",
        )
    _record_export(
        actor,
        commune_id=payroll.commune_id,
        object_type="allowances.payroll",
        object_id=payroll.pk,
        data={
            "document": f"{AUDIT_NAMES.get(document, document)}.{spec.fmt}",
            "month": month_text(payroll.month),
        },
    )
    rows = pay_rows_count(payroll, method=spec.method) if document != "reconciliation" else 0
    if rows > document_inline_max_rows():
        return export_job_create(
            actor=actor,
            kind=DOCUMENT_KIND,
            fmt=spec.fmt,
            params={"payroll": payroll.pk, "document": document},
            commune_id=payroll.commune_id,
            rows_total=rows,
        )
    return ExportedFile(payroll_filename(payroll, document), TYPES[spec.fmt], spec.build(payroll))


def monthly_summary_export(*, actor: User, month: dt.date) -> ExportedFile:
    """The month's summary over the communes the actor sees (one short sheet
    per regime and category, so never a background job); audited."""
    month = month_start(month)
    _record_export(
        actor,
        commune_id=None,
        object_type="allowances.payroll",
        object_id="",
        data={"document": "monthly_summary.xlsx", "month": month_text(month)},
    )
    name = f"tong-hop-tro-cap-{month_text(month).replace('/', '-')}.xlsx"
    return ExportedFile(name, XLSX, monthly_summary_xlsx(actor, month))


def entitlement_decision_export(*, actor: User, case: AllowanceCase) -> ExportedFile:
    """The decision of a dossier the actor sees (fetched through
    `selectors.allowance_case_get`), once decided; audited."""
    if case.state != DecisionState.DECIDED:
        raise TransitionNotAllowed(
            _("The decision can be printed once the dossier is decided."), code="case_state"
        )
    _record_export(
        actor,
        commune_id=case.commune_id,
        object_type="cases.case",
        object_id=case.pk,
        data={"document": "entitlement_decision.docx"},
    )
    return ExportedFile(f"quyet-dinh-{case.reference}.docx", DOCX, entitlement_decision_docx(case))


# --- the background job -----------------------------------------------------------------------


def _build(job: ExportJob, out: IO[bytes], progress: Progress) -> Built:
    payroll = payroll_get(job.requester, job.params["payroll"])
    document = str(job.params["document"])
    spec = PAYROLL_DOCUMENTS[document]
    progress.total(job.rows_total or 0)
    out.write(spec.build(payroll))
    progress.advance(job.rows_total or 0)
    return Built(payroll_filename(payroll, document), TYPES[spec.fmt])


def _may_access(user: Reader, job: ExportJob) -> bool:
    try:
        payroll_get(user, job.params.get("payroll"))
    except DomainError:
        return False
    return True


EXPORT_KIND = ExportKind(DOCUMENT_KIND, build=_build, may_access=_may_access)
