"""The case list with filters and pagination.

Query budget (constant in the number of cases): session, user, scope (3),
unread count, the user's communes, one COUNT and one page query. The COUNT
runs on the Case base table (scoped by commune, indexed on commune and
created_at), joins other tables only when a filter needs them, and stops 40
pages past the one shown (a bounded count: "hơn 1.025 hồ sơ"). The
possible-duplicate flags are subqueries of the page query, after one small
query for the support frequency rules they compare with.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cases.housing.duplicates import duplicate_flags, duplicate_reasons
from cases.housing.forms import CaseFilterForm
from cases.housing.models import HousingKind, HousingProgram
from cases.housing.selectors import case_search
from cases.models import Case
from cases.selectors import request_communes
from cases.views.base import CaseflowView, paginate
from workflows.actors import Reader


def search_cases(user: Reader, form: CaseFilterForm) -> QuerySet[Case]:
    """The scoped selector with the form's filters (none when the form is invalid)."""
    if not form.is_valid():
        return case_search(user)
    data = form.cleaned_data
    start, end = form.created_range()
    return case_search(
        user,
        commune=data.get("commune") or None,
        program=data.get("program") or "",
        state=data.get("state") or "",
        created_from=start,
        created_before=end,
        q=data.get("q") or "",
    )


class CaseListView(CaseflowView):
    template_name = "housing/case_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        communes = request_communes(self.request)
        form = CaseFilterForm(self.request.GET or None, communes=communes)
        qs = search_cases(self.request.user, form)
        qs = qs.select_related("commune", "applicant", "housingcase").order_by("-created_at", "-id")
        # Possible duplicates: Exists subqueries of the page query (the rules: one query).
        flags = duplicate_flags(self.request.user, timezone.localdate(), path="housingcase__")
        qs = qs.annotate(**flags)
        page = paginate(self.request, qs)
        # Labels looked up once: Model.get_FOO_display rebuilds (and translates)
        # the whole choices dict on every call, which dominated the page's time.
        programs = {str(k): str(v) for k, v in HousingProgram.choices}
        kinds = {str(k): str(v) for k, v in HousingKind.choices}
        rows = []
        for case in page.object_list:
            housing = getattr(case, "housingcase", None)
            rows.append(
                {
                    "case": case,
                    "housing": housing,
                    "program": programs.get(housing.program, "") if housing else "",
                    "kind": kinds.get(housing.kind, "") if housing else "",
                    "duplicates": duplicate_reasons(case),
                }
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page=page,
            querystring=query.urlencode(),
            rows=rows,
            filtered=bool(form.is_bound and any(form.data.get(k) for k in form.fields)),
        )
        return context
