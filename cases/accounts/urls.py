"""Routes of login security: web pages (in cases.urls) and API (in cases.api_urls)."""

from __future__ import annotations

from django.urls import path

from cases.accounts import api
from cases.accounts.views import auth, landing, second_factor, security

urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("account/second-factor/", second_factor.VerifyView.as_view(), name="otp_verify"),
    path("account/second-factor/enrol/", second_factor.EnrolView.as_view(), name="otp_enrol"),
    # The administrator's landing page (they hold no case role).
    path("administration/", landing.AdminHomeView.as_view(), name="admin_home"),
    path("security/lockouts/", security.LockoutListView.as_view(), name="security_lockouts"),
    path(
        "security/lockouts/lift/",
        security.LockoutLiftView.as_view(),
        name="security_lockout_lift",
    ),
    path("security/accounts/", security.AccountListView.as_view(), name="security_accounts"),
    path(
        "security/accounts/<int:pk>/revoke-tokens/",
        security.TokensRevokeView.as_view(),
        name="security_tokens_revoke",
    ),
    path(
        "security/accounts/<int:pk>/reset-second-factor/",
        security.SecondFactorResetView.as_view(),
        name="security_otp_reset",
    ),
]

api_urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("auth/logout/", api.LogoutView.as_view(), name="api-token-logout"),
    path("auth/logout-all/", api.LogoutAllView.as_view(), name="api-token-logout-all"),
]
