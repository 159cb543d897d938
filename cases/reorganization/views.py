"""The administrator's page of the reorganisation: the dry run explained (what
would move where, what cannot be mapped) and the run, with its outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Max
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from cases.models import UnitChange
from cases.reorganization.plan import COUNTED, SECTIONS, reorganization_plan
from cases.reorganization.run import reorganize
from cases.views.base import staff_only
from workflows.actors import signed_in
from workflows.exceptions import InvalidData
from workflows.forms import VnDateField


class ReorganizationForm(forms.Form):
    effective = VnDateField(label=gettext_lazy("Effective from"))
    confirm = forms.BooleanField(
        required=False,
        label=gettext_lazy("I have checked the dry run: carry the open work across now."),
    )
    payroll_in_flight = forms.BooleanField(
        required=False,
        label=gettext_lazy("Also move payrolls sent for payment and not reconciled yet."),
    )


def _latest_effective() -> dt.date | None:
    return UnitChange.objects.aggregate(last=Max("effective"))["last"]


class ReorganizationView(View):
    """Staff accounts (the administrator) only: anonymous visitors to the
    login page, everyone else 403."""

    http_method_names = ["get", "post"]
    template = "reorganization/plan.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return staff_only(request) or super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = ReorganizationForm(
            request.GET if "effective" in request.GET else None,
            initial={"effective": _latest_effective()},
        )
        effective = form.cleaned_data["effective"] if form.is_valid() else _latest_effective()
        return self.page(request, form, effective)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ReorganizationForm(request.POST)
        if not form.is_valid():
            return self.page(request, form, None, status=400)
        effective = form.cleaned_data["effective"]
        if not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick the box to confirm the run."))
            return self.page(request, form, effective, status=400)
        try:
            result = reorganize(
                effective,
                actor=signed_in(request),
                payroll_in_flight=form.cleaned_data["payroll_in_flight"],
            )
        except InvalidData as exc:
            errors = [str(exc.message)] + [str(e) for v in exc.fields.values() for e in v]
            return self.page(request, form, effective, status=400, errors=errors)
        # A Counter answers any key: the template gets its items as a list.
        moved = sorted(result.moved.items())
        return self.page(request, form, effective, result=result, moved=moved)

    def page(
        self, request: HttpRequest, form: Any, effective: dt.date | None, status: int = 200,
        **extra: Any,
    ) -> HttpResponse:  # fmt: skip
        plan = reorganization_plan(effective) if effective else None
        groups: list[tuple[Any, Any, list[Any]]] = []
        for line in plan.lines if plan else []:
            key = (line.former, line.successor)
            if not groups or groups[-1][:2] != key:
                groups.append((line.former, line.successor, []))
            groups[-1][2].append(line)
        context = {
            "form": form,
            "plan": plan,
            "groups": groups,
            "effective": effective,
            "totals": [(SECTIONS[key], plan.total(key)) for key in COUNTED] if plan else [],
            "unverified": bool(plan and any(c.unverified for c in plan.changes)),
            "done": bool(plan and plan.done),
            **extra,
        }
        return render(request, self.template, context, status=status)
