"""The office's staff mapping of a reorganisation: which officer of which
former unit serves which new commune (`StaffAssignment`). Without a row for a
former unit, whoever held a commune role there holds it on each of its
successors; with rows, only what they say is carried (the others keep the
former grant, to read its history)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import AdministrativeUnit, UnitChange
from workflows.permissions import COMMUNE_ROLES, ROLE_LABELS

ROLE_CHOICES = sorted(((str(r), ROLE_LABELS[r]) for r in COMMUNE_ROLES), key=lambda c: c[0])


class StaffAssignment(models.Model):
    """From `effective`, `user`, who held `role` (blank: every commune role)
    on `former`, holds it on `successor`, a unit of the same reorganisation."""

    effective = models.DateField(_("effective from"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    former = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("former unit"),
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("serves the new unit"),
    )
    role = models.CharField(
        _("role"),
        max_length=30,
        blank=True,
        choices=ROLE_CHOICES,
        help_text=_("Blank: every commune role the user holds in the former unit."),
    )

    class Meta:
        verbose_name = _("staff assignment of a reorganisation")
        verbose_name_plural = _("staff assignments of a reorganisation")
        ordering = ["effective", "former__code", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective", "user", "former", "successor", "role"],
                name="staff_assignment_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.former} → {self.successor}"

    def clean(self) -> None:
        """The former unit and the new one belong to the mapping of the date."""
        errors: dict[str, Any] = {}
        changes = UnitChange.objects.filter(effective=self.effective)
        if self.former_id and not changes.filter(predecessor_id=self.former_id).exists():
            errors["former"] = _("This unit is not a former unit of the mapping of this date.")
        if self.successor_id and not changes.filter(successor_id=self.successor_id).exists():
            errors["successor"] = _("This unit is not a new unit of the mapping of this date.")
        if errors:
            raise ValidationError(errors)
