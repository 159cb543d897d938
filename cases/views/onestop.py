"""The one-stop shop's on-time KPI (commune-scoped like every read)."""

from __future__ import annotations

from typing import Any

from cases.forms import OneStopKpiForm
from cases.models import Case
from cases.selectors import request_communes
from cases.views.base import CaseflowView
from workflows.actors import Reader
from workflows.onestop import onestop_kpi
from workflows.permissions import SENSITIVE_PROCESSES

# Drug rehab is not a one-stop procedure here, and its name is not for every role.
GENERAL_PROCESSES = [(c, n) for c, n in Case.Process.choices if c not in SENSITIVE_PROCESSES]


def kpi_form(request: Any, query: Any) -> OneStopKpiForm:
    return OneStopKpiForm.from_query(
        query,
        communes=request_communes(request),
        processes=GENERAL_PROCESSES,
    )


def kpi_for_form(user: Reader, form: OneStopKpiForm) -> Any:
    """The KPI for a valid form's filters."""
    data = form.cleaned_data
    return onestop_kpi(
        user,
        year=data["year"],
        month=data.get("month"),
        process=data.get("process") or "",
        commune_id=data.get("commune"),
        by=tuple(data.get("by") or ()),
    )


class OneStopKpiView(CaseflowView):
    template_name = "cases/onestop_kpi.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kpi_form(self.request, self.request.GET)
        context.update(
            form=form, kpi=kpi_for_form(self.request.user, form) if form.is_valid() else None
        )
        return context
