"""The administrator's landing page: what they look after, one link each
(configuration in the admin site, login security, accounts, the tamper
check). The administrator holds no case role, so the case pages are not theirs."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from cases.accounts import selectors, services
from cases.views.base import error_page
from workflows.audit_check import may_verify


class AdminHomeView(View):
    """Staff accounts (the administrator): anonymous visitors to the login
    page, everyone else 403."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_staff or user.is_superuser):
            return error_page(request, _("This page is for the administrator."), 403)
        security = services.may_manage_security(user)
        context = {
            "security": security,
            "lockouts": selectors.lockouts_current().count() if security else 0,
            "may_verify": may_verify(user),
        }
        return render(request, "accounts/admin_home.html", context)
