"""Login, logout and the password page. The lockout (django-axes), the audit
events and the revocation of API tokens hang on Django's login signals and on
the password change itself (cases.accounts.receivers), so these stay Django's
own views."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy
from django.utils.translation import gettext as _


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's); ends the user's API tokens too (receivers)."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any signed-in user changes their own password; this session goes on,
    every other session and every API token of the account end."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change")

    def form_valid(self, form: Any) -> HttpResponse:
        form.user.password_changed_by = form.user  # the audit event's actor: themselves
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Your password was changed. Your API tokens were revoked: request new ones."),
        )
        return response
