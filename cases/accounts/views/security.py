"""The administrator's pages: current lockouts (lift one), and accounts
(revoke their API tokens, reset their second factor). Each action is a POST
with the CSRF token and an audit event (cases.accounts.services)."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from cases.accounts import second_factor, selectors, services
from cases.views.base import error_page, paginate
from workflows.exceptions import NotFound


class SecurityAdminView(View):
    """Administrators only: anonymous visitors to the login page, everyone else 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.may_manage_security(request.user):
            return error_page(request, _("Only the administrator manages login security."), 403)
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFound:
            raise Http404() from None


def _account(pk: int) -> Any:
    return get_object_or_404(get_user_model(), pk=pk)


class LockoutListView(SecurityAdminView):
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        services.lockouts_expire()
        context = {
            "current": selectors.lockouts_current(),
            "ended": selectors.lockouts_ended(),
            "failures": selectors.failures_recent(),
            "limits": {
                "account": settings.AXES_FAILURE_LIMIT,
                "address": settings.LOGIN_ADDRESS_FAILURE_LIMIT,
                "minutes": int(services.cool_off().total_seconds() // 60),
            },
        }
        return render(request, "accounts/lockouts.html", context)


class LockoutLiftView(SecurityAdminView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        row = services.lockout_lift(actor=request.user, lockout_id=request.POST.get("lockout"))  # type: ignore[arg-type]
        messages.success(request, _("Unlocked: %(value)s.") % {"value": row.value})
        return redirect("security_lockouts")


class AccountListView(SecurityAdminView):
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()
        page = paginate(request, selectors.accounts_for_admin(q))
        needs = selectors.second_factor_user_ids()
        for account in page.object_list:
            holds_role = functools.partial(set.__contains__, needs, account.pk)
            account.needs_second_factor = second_factor.needs_second_factor(
                account, holds_role=holds_role
            )
        context = {"page": page, "q": q, "querystring": f"q={q}" if q else ""}
        return render(request, "accounts/accounts.html", context)


class TokensRevokeView(SecurityAdminView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = _account(pk)
        count = services.token_revoke(actor=request.user, user=account, how="administrator")  # type: ignore[arg-type]
        messages.success(
            request,
            _("%(count)s API tokens of %(username)s revoked.")
            % {"count": count, "username": account.username},
        )
        return redirect(f"{reverse('security_accounts')}?{urlencode({'q': account.username})}")


class SecondFactorResetView(SecurityAdminView):
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        account = _account(pk)
        second_factor.second_factor_reset(actor=request.user, user=account)  # type: ignore[arg-type]
        messages.success(
            request,
            _("The second factor of %(username)s was reset: they enrol again at their next login.")
            % {"username": account.username},
        )
        return redirect(f"{reverse('security_accounts')}?{urlencode({'q': account.username})}")
