"""Scoped reads of drug-rehab records: only rehab roles of the case's commune
(and the district's rehab staff and auditors) see them; another commune's
record answers 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet, TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case
from cases.rehab.models import (
    RehabCase,
    RehabReferral,
    RehabSupportRate,
    VoluntaryRehab,
)
from workflows.actors import Reader
from workflows.audit_explorer import REHAB_EXPORT_OBJECT, object_timeline
from workflows.exceptions import InvalidData
from workflows.models import AuditEvent, ProcedureVersion
from workflows.permissions import SENSITIVE_PROCESSES, Role, get_or_not_found, scope_for, scoped
from workflows.text import clean_text, fold_search_q, national_id_terms

REFERENCE_PREFIX: dict[str, str] = {
    Case.Process.REHAB_COMPULSORY: "CNBB",
    Case.Process.REHAB_VOLUNTARY: "CNTN",
}


class ReadPurpose(TextChoices):
    """Why a reader opens a rehab case (logged with the read)."""

    HANDLING = "handling", gettext_lazy("Handling the case")
    SUPERVISION = "supervision", gettext_lazy("Supervision or inspection")
    COURT = "court", gettext_lazy("Request from the court or prosecutors")
    COMPLAINT = "complaint", gettext_lazy("Handling a complaint")
    REPORTING = "reporting", gettext_lazy("Statistics and reporting")
    OTHER = "other", gettext_lazy("Other (explain)")


# --- scoped reads ------------------------------------------------------------------


def rehab_cases_for_user(user: Reader) -> QuerySet[RehabCase]:
    """Rehab cases of the communes where the user holds a rehab role (all of
    them for district rehab staff); none for everyone else."""
    return scoped(RehabCase, user, sensitive=True)


def rehab_case_get(user: Reader, pk: Any) -> RehabReferral | VoluntaryRehab:
    """The case as its own process model, or NotFound (never revealing it exists)."""
    process = get_or_not_found(rehab_cases_for_user(user).values_list("process", flat=True), pk)
    model = RehabReferral if process == Case.Process.REHAB_COMPULSORY else VoluntaryRehab
    return (
        model.objects.select_related("commune", "applicant", "procedure_version", "previous_case")
        .prefetch_related("follow_ups")
        .get(pk=pk)
    )


def rehab_search(
    user: Reader, *, process: str = "", commune: Any = None, state: str = "", q: str = ""
) -> QuerySet[RehabCase]:
    """The user's rehab cases, filtered: `q` is a reference, a national ID
    (spaces, dots, a dropped leading zero tolerated) or part of a name, with or
    without diacritics."""
    qs = rehab_cases_for_user(user).select_related("commune", "applicant", "procedure_version")
    if process:
        qs = qs.filter(process=process)
    if commune:
        qs = qs.filter(commune_id=commune)
    if state:
        qs = qs.filter(state=state)
    q = clean_text(q or "")
    ids = national_id_terms(q)
    if ids:
        qs = qs.filter(applicant__national_id__in=ids)
    elif q.upper().startswith(tuple(REFERENCE_PREFIX.values())):
        qs = qs.filter(reference__iexact=q)
    elif q:
        qs = qs.filter(fold_search_q("applicant__full_name_folded", q))
    return qs.order_by("-created_at", "-id")


def mask_national_id(value: str) -> str:
    """001•••••••345: the province and the last three digits only."""
    if len(value or "") != 12:
        return "•" * len(value or "")
    return f"{value[:3]}{'•' * 6}{value[-3:]}"


def may_see_read_log(user: Reader) -> bool:
    """Auditors and district rehab staff see who read rehab records."""
    scope = scope_for(user)
    return bool(scope.district_roles & {Role.AUDITOR, Role.DISTRICT_REHAB})


def read_log_cases(user: Reader) -> QuerySet[RehabCase]:
    """Cases whose read log the user may see: every rehab case for auditors and
    district rehab staff (the log shows references and readers, no personal data)."""
    if not may_see_read_log(user):
        return RehabCase.objects.none()
    return RehabCase.objects.select_related("commune", "procedure_version")


def read_log_case_get(user: Reader, pk: Any) -> RehabCase:
    case: RehabCase = get_or_not_found(read_log_cases(user), pk)
    return case


def case_reads(case: RehabCase) -> QuerySet[AuditEvent]:
    """Who read the case, when and why (newest first)."""
    return (
        AuditEvent.objects.filter(case_id=case.pk, event="read")
        .select_related("actor")
        .order_by("-occurred_at", "-id")
    )


def read_log_events(*, case_reference: str = "", reader: str = "") -> QuerySet[AuditEvent]:
    """Every read (and export) of a rehab record, newest first; by case
    reference and by reader. For those `may_see_read_log` lets in."""
    qs = (
        AuditEvent.objects.filter(
            Q(event="read", case__process__in=SENSITIVE_PROCESSES)
            | Q(event="export", object_type=REHAB_EXPORT_OBJECT)
        )
        .select_related("actor", "case")
        .order_by("-occurred_at", "-id")
    )
    if case_reference:
        qs = qs.filter(case__reference__iexact=case_reference)
    if reader:
        qs = qs.filter(actor_username__icontains=reader)
    return qs


def case_events(case: RehabCase) -> QuerySet[AuditEvent]:
    """The case's history without the reads (those are in the read log)."""
    return object_timeline(case_id=case.pk, reads=False)


def may_export(user: Reader) -> bool:
    return scope_for(user).sees_rehab and user is not None and user.has_perm("cases.export_rehab")


def version_in_force(procedure: str, on: dt.date) -> ProcedureVersion:
    version = ProcedureVersion.in_force(procedure, on)
    if version is None:
        raise InvalidData(
            _("No version of this procedure is in force on %(date)s.")
            % {"date": on.strftime("%d/%m/%Y")},
            code="no_procedure_version",
        )
    return version


def support_rate(category: str, on: dt.date) -> int:
    if not category:
        return 0
    rate = (
        RehabSupportRate.objects.filter(category=category, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("percent", flat=True)
        .first()
    )
    return rate or 0
