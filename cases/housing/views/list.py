"""The case list with filters and keyset pages.

Pages are keyset pages over (created_at DESC, id DESC) (`workflows.keyset`):
"Trang sau" / "Trang trước" carry a signed cursor, no page reads past the
rows before it, so the last page of a million cases costs what the first
does. Old `?page=N` links are sent on to the same page's cursor (N <= 40,
one bounded OFFSET read of the key) or to the first page.

Query budget (constant in the number of cases; 10): session, user, scope,
unread count, the user's communes, the page read's planner settings
(`workflows.keyset.page_read`), the page's ids, those rows with their joins,
one bounded COUNT (up to 1,000 rows from the start: "hơn 1.000 hồ sơ"; none
for a name search). The possible-duplicate flags are subqueries of the rows'
query, after one small query for the support frequency rules they compare with.

A name search (with or without diacritics) first counts the people it names
(`case_search`, up to 2,000, one query): a rare name goes people-first (their
cases by the applicant index), a common one walks the cases in page order and
keeps those whose applicant matches, along (commune, created_at, id) for a
commune's officer (see `page_read` for why that needs the planner settings).
Measured in bench/bench_case_list.py at 1,000,000.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from cases.housing.duplicates import duplicate_flags, duplicate_reasons
from cases.housing.forms import CaseFilterForm
from cases.housing.models import HousingKind, HousingProgram
from cases.housing.selectors import case_search
from cases.models import Case
from cases.selectors import request_communes
from cases.views.base import CaseflowView, keyset_paginate, old_page_redirect
from workflows.actors import Reader
from workflows.keyset import Keyset
from workflows.text import clean_text, national_id_terms

# The page's ids first (the narrowest query, on the Case table and its
# indexes), then those 25 rows with their joins and duplicate flags.
CASE_PAGES = Keyset(("-created_at", "-id"), salt="case_list", ids_first=True)


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

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "page" in request.GET:
            old = old_page_redirect(request, self.filtered()[1], CASE_PAGES)
            if old is not None:
                return old
        return super().get(request, *args, **kwargs)

    def filtered(self) -> tuple[CaseFilterForm, QuerySet[Case]]:
        communes = request_communes(self.request)
        form = CaseFilterForm(self.request.GET or None, communes=communes)
        return form, search_cases(self.request.user, form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, qs = self.filtered()
        qs = qs.select_related("commune", "applicant", "housingcase")
        # Possible duplicates: Exists subqueries of the page query (the rules: one query).
        flags = duplicate_flags(self.request.user, timezone.localdate(), path="housingcase__")
        # A name search is not counted: its matches are found through the
        # trigram index on people, and counting them even up to 1,000 means
        # joining thousands of people with the cases (60-90 ms at 1,000,000).
        q = clean_text(form.cleaned_data.get("q") or "") if form.is_valid() else ""
        by_name = bool(q) and not national_id_terms(q)
        page = keyset_paginate(self.request, qs.annotate(**flags), CASE_PAGES, count=not by_name)
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
        context.update(
            form=form,
            page=page,
            rows=rows,
            filtered=bool(form.is_bound and any(form.data.get(k) for k in form.fields)),
        )
        return context
