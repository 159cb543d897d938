"""The administrator's landing page: what they look after, one link each
(configuration in the admin site, login security, accounts, the tamper
check). The administrator holds no case role, so the case pages are not theirs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from cases.accounts import selectors, services
from cases.views.base import staff_only
from workflows.audit_check import may_verify


class AdminHomeView(View):
    """Staff accounts (the administrator): anonymous visitors to the login
    page, everyone else 403."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        refused = staff_only(request)
        if refused is not None:
            return refused
        user = request.user
        security = services.may_manage_security(user)
        context = {
            "security": security,
            "lockouts": selectors.lockouts_current().count() if security else 0,
            "may_verify": may_verify(user),
        }
        return render(request, "accounts/admin_home.html", context)
