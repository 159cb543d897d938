"""Domain errors. Mapped in one place to HTTP answers (workflows.api_errors)
and to Vietnamese messages in the UI (the message is translatable)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "error"
    default_message: Any = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        self.fields = fields or {}
        # Machine-readable details beside the message (e.g. existing_id).
        self.extra = extra or {}
        if code:
            self.code = code
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
            **self.extra,
        }


class InvalidData(DomainError):
    status = 400
    code = "invalid"
    default_message = _("Some fields are not valid.")


class NotPermitted(DomainError):
    status = 403
    code = "not_permitted"
    default_message = _("You do not have permission to do this.")


class SeparationOfDuties(NotPermitted):
    code = "separation_of_duties"
    default_message = _("Separation of duties: you already acted on this case in an earlier step.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _("Not found.")


class TransitionNotAllowed(DomainError):
    status = 409
    code = "invalid_transition"
    default_message = _("This action is not possible in the case's current state.")


class ConcurrentChange(TransitionNotAllowed):
    status = 409
    code = "concurrent_change"
    default_message = _("Someone else changed this case a moment ago. Reload and try again.")
