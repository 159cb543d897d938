"""Django's login signals into the audit trail, whichever page or endpoint
logged the user in or out (the login page, the Django admin, the token
endpoint), and API tokens revoked whenever a password changes, however it is
changed (the password page, the admin site, `changepassword`, `grant_role`).

Connected after django-axes's own receivers (`axes` comes before this app in
INSTALLED_APPS), so a failure's receiver here sees whether axes has just
locked the account or the address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import is_password_usable
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from cases.accounts import services
from workflows.actors import User


@receiver(user_logged_in, dispatch_uid="accounts_login_audited")
def login_audited(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.login_record(user=user, via=services.via_of(request))


@receiver(user_login_failed, dispatch_uid="accounts_login_failure_audited")
def login_failure_audited(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    refused = bool(getattr(request, "login_refused", False))
    username = credentials.get("username")
    services.login_failure_record(username=username, via=services.via_of(request), refused=refused)
    if getattr(request, "axes_locked_out", False) and not refused:
        # This failure reached a limit: axes locks from now on.
        services.lockout_open(username=username, address=getattr(request, "axes_ip_address", None))


@receiver(user_logged_out, dispatch_uid="accounts_logout_audited")
def logout_audited(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.logout_record(user=user, via=services.via_of(request))


@receiver(pre_save, sender=User, dispatch_uid="accounts_password_change_noticed")
def password_change_noticed(sender: Any, instance: User, **kwargs: Any) -> None:
    # set_password() keeps the raw password until save() (for the validators).
    # A first password (an account just made, as role_grant does) is no change.
    changed = False
    if instance.pk is not None and getattr(instance, "_password", None) is not None:
        old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
        changed = bool(old) and is_password_usable(old) and old != instance.password
    instance._password_changed = changed  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="accounts_password_change_revokes_tokens")
def password_change_revokes_tokens(
    sender: Any, instance: User, created: bool, **kwargs: Any
) -> None:
    if created or not getattr(instance, "_password_changed", False):
        return
    instance._password_changed = False  # type: ignore[attr-defined]
    actor = getattr(instance, "password_changed_by", None)
    services.password_change_record(actor=actor, user=instance)
