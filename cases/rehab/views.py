"""Drug-rehab pages (sensitive records).

Only rehab roles reach them; everyone else gets 404, as for a case of
another commune. Opening a case asks why and logs the read (the purpose is
kept in the session for `PURPOSE_MINUTES`, and every page view of the case
or of one of its documents is logged with it). National IDs are masked in
lists. Exports need their own permission and are logged. Auditors and
district rehab staff see who read which record."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from cases.forms import DocumentUploadForm
from cases.models import Case
from cases.rehab.forms import (
    CheckinForm,
    ExportForm,
    PurposeForm,
    ReferralCreateForm,
    RehabFilterForm,
    VoluntaryCreateForm,
)
from cases.rehab.models import Route
from cases.rehab.selectors import (
    ReadPurpose,
    case_events,
    mask_national_id,
    may_export,
    may_see_read_log,
    rehab_case_get,
    rehab_search,
)
from cases.rehab.services import (
    COMPILER,
    PERSON_FIELDS,
    checkin_record,
    purpose_errors,
    referral_create,
    rehab_case_file,
    rehab_read_record,
    voluntary_create,
)
from cases.selectors import (
    case_document_checklist,
    case_document_get,
    case_documents,
    rehab_communes_for_user,
)
from cases.templatetags.caseflow import spec_badge
from cases.views.base import CaseflowMixin, CaseflowView, paginate
from cases.views.documents import upload_posted_document
from cases.views.timeline import timeline_entries
from cases.views.transitions import ActionPostMixin, TransitionPostMixin, transition_actions
from workflows.actors import Reader, signed_in
from workflows.deadlines import open_step_deadline
from workflows.exceptions import InvalidData, NotPermitted
from workflows.idempotency import Outcome
from workflows.models import ProcedureVersion
from workflows.permissions import (
    REHAB_COMMUNE_ROLES,
    ROLE_LABELS,
    Role,
    may_upload_document,
    scope_for,
)
from workflows.registry import spec_for

PURPOSE_MINUTES = 30


def _purpose_key(pk: int) -> str:
    return f"rehab_purpose:{pk}"


def session_purpose(request: HttpRequest, pk: int) -> dict[str, Any] | None:
    """The purpose the user gave for this case, while it is fresh (with
    `logged` once the opening has been written to the audit trail)."""
    held = request.session.get(_purpose_key(pk))
    if not held or time.time() - held.get("at", 0) > PURPOSE_MINUTES * 60:
        return None
    return held


class RehabMixin(CaseflowMixin):
    """Rehab pages exist only for rehab roles (404 for everyone else)."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        # Role-less accounts are handled as on every page (admin site, or 403).
        if user.is_authenticated and scope_for(user).has_any_role and not self.allowed(user):
            raise Http404()
        return super().dispatch(request, *args, **kwargs)

    def allowed(self, user: Reader) -> bool:
        return scope_for(user).sees_rehab


def _compile_communes(user: Reader, role: str) -> list[Any]:
    scope = scope_for(user)
    return [c for c in rehab_communes_for_user(user) if role in scope.roles_in(c.pk)]


class RehabListView(RehabMixin, CaseflowView):
    template_name = "rehab/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        communes = list(rehab_communes_for_user(user))
        form = RehabFilterForm(self.request.GET or None, communes=communes)
        page = paginate(self.request, rehab_search(user, **form.filters()))
        rows = [
            {
                "case": case,
                "spec": spec_for(case),
                "masked_id": mask_national_id(case.applicant.national_id),
                "badge": spec_badge(spec_for(case), case.state),
            }
            for case in page.object_list
        ]
        today = timezone.localdate()
        version = ProcedureVersion.in_force(Case.Process.REHAB_COMPULSORY, today)
        compiler = COMPILER.get(version.route) if version else None  # type: ignore[call-overload]
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            rows=rows,
            querystring=query.urlencode(),
            version=version,
            can_refer=bool(compiler and _compile_communes(user, compiler)),
            can_register=bool(_compile_communes(user, Role.COMMUNE_REHAB)),
            export_form=(
                self.bound_form if isinstance(self.bound_form, ExportForm) else ExportForm()
            )
            if may_export(user)
            else None,
        )
        return context


_PERSON_FIELDS = ["national_id", "full_name", "date_of_birth", "sex", "address", "commune"]


class _CreateView(RehabMixin, CaseflowView):
    """Open a rehab case: the person (rehab registry), then the procedure's
    service. Subclasses name the form, the procedure, the service and the
    service's own fields."""

    template_name = "rehab/create.html"
    form_class: Any = None
    procedure = ""
    service: Any = None
    fields: tuple[str, ...] = ()

    def filing_role(self) -> str:
        """Who files this procedure's cases (the version in force may say)."""
        return Role.COMMUNE_REHAB

    def communes(self) -> list[Any]:
        role = self.filing_role()
        communes = _compile_communes(self.request.user, role)
        if not communes:
            raise NotPermitted(
                _("Under the procedure in force, this dossier is compiled by: %(role)s.")
                % {"role": ROLE_LABELS[Role(role)]}
            )
        return communes

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.bound_form is None:
            self.bound_form = self.form_class(communes=self.communes())
        version = ProcedureVersion.in_force(self.procedure, timezone.localdate())
        form = self.bound_form
        person = set(_PERSON_FIELDS)
        context.update(
            form=form,
            person_fields=[form[name] for name in _PERSON_FIELDS],
            case_fields=[f for f in form if f.name not in person],
            version=version,
            procedure=self.procedure,
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        self.bound_form = form = self.form_class(request.POST, communes=self.communes())
        if not form.is_valid():
            raise InvalidData()
        data = form.cleaned_data
        case = rehab_case_file(
            actor=signed_in(request),
            commune=form.communes[data["commune"]],
            person={k: data.get(k) for k in PERSON_FIELDS},
            create=type(self).service,
            **{name: data[name] for name in self.fields if data.get(name) not in (None, "")},
        )
        messages.success(
            request,
            _("%(ref)s opened under %(version)s.")
            % {"ref": case.reference, "version": case.procedure_version.name},
        )
        request.session[_purpose_key(case.pk)] = {
            "purpose": "handling",
            "note": "",
            "at": time.time(),
        }
        return redirect("rehab_detail", pk=case.pk)


class ReferralCreateView(_CreateView):
    form_class = ReferralCreateForm
    procedure = Case.Process.REHAB_COMPULSORY
    service = referral_create
    fields = ("ground", "violation_record_number", "violation_on", "stable_residence")

    def filing_role(self) -> str:
        version = ProcedureVersion.in_force(self.procedure, timezone.localdate())
        if version is None:
            raise InvalidData(_("No version of this procedure is in force today."))
        return COMPILER[Route(version.route)]


class VoluntaryCreateView(_CreateView):
    form_class = VoluntaryCreateForm
    procedure = Case.Process.REHAB_VOLUNTARY
    service = voluntary_create
    fields = ("setting", "facility_name", "support_category", "estimated_cost")


class RehabDetailView(RehabMixin, CaseflowView):
    """The case, once the reader has said why they open it (else the prompt)."""

    template_name = "rehab/detail.html"
    bound_action = ""
    needs_purpose = False

    def get_case(self) -> Any:
        return rehab_case_get(self.request.user, self.kwargs["pk"])

    def get_template_names(self) -> list[str]:
        if self.needs_purpose:
            return ["rehab/purpose.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = self.get_case()
        held = session_purpose(self.request, case.pk)
        self.needs_purpose = held is None
        if held is None:
            purpose_form = (
                self.bound_form if isinstance(self.bound_form, PurposeForm) else PurposeForm()
            )
            context.update(case=case, spec=spec_for(case), purpose_form=purpose_form)
            return context
        if not held.get("logged"):
            # One read per opening: the purpose given (or renewed after
            # PURPOSE_MINUTES) starts a reading, logged once; every document
            # opened during it is logged on its own.
            rehab_read_record(
                user=user, case=case, purpose=held["purpose"], note=held.get("note", "")
            )
            held["logged"] = True
            self.request.session[_purpose_key(case.pk)] = held
        spec = spec_for(case)
        documents = case_documents(case)
        checklist = case_document_checklist(case)
        doc_labels = {row["kind"]: row["label"] for row in checklist}
        timeline = timeline_entries(case_events(case), spec, doc_labels=doc_labels)
        actions = transition_actions(self, user, case)
        upload_form = None
        if may_upload_document(user, case):
            upload_form = (
                self.bound_form
                if isinstance(self.bound_form, DocumentUploadForm)
                else DocumentUploadForm(checklist=checklist)
            )
        checkin_form = None
        if case.state == "post_rehab" and scope_for(user).roles_in(case.commune_id) & (
            REHAB_COMMUNE_ROLES
        ):
            checkin_form = (
                self.bound_form
                if isinstance(self.bound_form, CheckinForm)
                else (CheckinForm(initial={"checked_on": timezone.localdate()}))
            )
        prefetch_related_objects([case], Prefetch("checkins"))
        open_deadline, open_deadline_status = open_step_deadline(case.flow_process_id)
        context.update(
            case=case,
            spec=spec,
            badge=spec_badge(spec, case.state),
            purpose=held,
            purpose_label=dict(ReadPurpose.choices).get(held["purpose"], held["purpose"]),
            version=case.procedure_version,
            checklist=[
                {**row, "documents": [d for d in documents if d.kind == row["kind"]]}
                for row in checklist
            ],
            timeline=timeline,
            actions=actions,
            upload_form=upload_form,
            checkin_form=checkin_form,
            checkins=list(case.checkins.select_related("recorded_by")),
            acting_role=spec.acting_role.get(case.state, ""),
            open_deadline=open_deadline,
            open_deadline_status=open_deadline_status,
            follow_ups=list(case.follow_ups.all()),
            can_see_reads=may_see_read_log(user),
        )
        return context


class RehabOpenView(RehabDetailView):
    """POST the purpose of reading; then the case opens (and the read is logged)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("rehab_detail", pk=kwargs["pk"])

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = self.get_case()
        self.bound_form = form = PurposeForm(request.POST)
        if not form.is_valid():
            raise InvalidData(_("Say why you are opening this record."), code="purpose_required")
        purpose, note = form.cleaned_data["purpose"], form.cleaned_data.get("purpose_note", "")

        errors = purpose_errors(purpose, note)
        if errors:
            raise InvalidData(
                _("Say why you are opening this record."), fields=errors, code="purpose_required"
            )
        request.session[_purpose_key(case.pk)] = {
            "purpose": purpose,
            "note": note,
            "at": time.time(),
        }
        return redirect("rehab_detail", pk=case.pk)


class _RehabActionView(ActionPostMixin, RehabDetailView):
    """A post on the case page."""

    page_url_name = "rehab_detail"


class RehabTransitionView(TransitionPostMixin, _RehabActionView):
    def get_transition_object(self) -> Any:
        return self.get_case()


class RehabDocumentUploadView(_RehabActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: upload_posted_document(self, self.get_case()))


class RehabCheckinView(_RehabActionView):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.once(lambda: self.record(request))

    def record(self, request: HttpRequest) -> Outcome:
        case = self.get_case()
        self.bound_form = form = CheckinForm(request.POST)
        form.is_valid()
        checkin_record(
            actor=signed_in(request),
            case=case,
            checked_on=form.cleaned_data.get("checked_on"),
            result=request.POST.get("result", ""),
            note=form.cleaned_data.get("note", ""),
        )
        warnings = []
        if request.POST.get("result") == "positive":
            warnings.append(
                (
                    messages.WARNING,
                    _("Positive test: if this is a relapse, record it with “Record a relapse”."),
                )
            )
        return self.done(case.pk, _("Check-in recorded."), *warnings)


class RehabDocumentDownloadView(RehabMixin, View):
    """A document is a read of the case: it needs the purpose and is logged."""

    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int, doc_pk: int) -> HttpResponseBase:
        case = rehab_case_get(request.user, pk)
        held = session_purpose(request, case.pk)
        if held is None:
            return redirect("rehab_detail", pk=case.pk)
        doc = case_document_get(case, doc_pk)
        rehab_read_record(
            user=request.user,
            case=case,
            purpose=held["purpose"],
            note=f"{held.get('note', '')} [{doc.original_name}]".strip(),
        )
        return FileResponse(
            doc.file.open("rb"),
            as_attachment=True,
            filename=doc.original_name,
            content_type=doc.content_type,
        )
