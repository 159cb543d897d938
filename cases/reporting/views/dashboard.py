"""The dashboard: figures per role as charts, each with its table, and the
same tables as an .xlsx workbook (cases.reporting.dashboard reads, cases.reporting.dashboard_output
lays out)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View

from cases.reporting.dashboard import dashboard_for
from cases.reporting.dashboard_output import dashboard_tables, dashboard_workbook
from cases.reporting.forms import grouping_field
from cases.reporting.units import Grouping
from cases.views.base import CaseflowMixin, CaseflowView

YEARS_BACK = 5
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DashboardForm(forms.Form):
    """Empty year: this year's budgets and the payments of the last 12 months."""

    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    grouping = grouping_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this = timezone.localdate().year
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Last 12 months"))] + [
            (y, str(y)) for y in range(this, this - YEARS_BACK, -1)
        ]

    def chosen_year(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None

    def chosen_grouping(self) -> str:
        chosen = self.cleaned_data.get("grouping") if self.is_valid() else None
        return chosen or Grouping.CURRENT.value


def _tables(request: HttpRequest) -> tuple[DashboardForm, list[Any], Any]:
    form = DashboardForm(request.GET)
    dash = dashboard_for(request.user, year=form.chosen_year(), grouping=form.chosen_grouping())
    return form, dashboard_tables(dash), dash


class DashboardView(CaseflowView):
    template_name = "dashboard/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form, tables, dash = _tables(self.request)
        context.update(
            form=form,
            dash=dash,
            tables={t.key: t for t in tables},
            query=self.request.GET.urlencode(),
        )
        return context


class DashboardXlsxView(CaseflowMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form, tables, dash = _tables(request)
        response = HttpResponse(dashboard_workbook(tables), content_type=XLSX)
        name = f"dashboard-{form.chosen_year() or timezone.localdate().isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
