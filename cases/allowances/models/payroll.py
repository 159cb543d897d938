"""The monthly payroll of a commune (one viewflow process each) and its lines.

Lines are generated set-based from the entitlements and the rates in force,
move in bulk with the payroll (`workflows.engine.bulk_transition`), and live
in a table partitioned by payroll month (created by migration 0001 in SQL:
PostgreSQL declarative partitioning; `partitions.ensure` adds months)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.allowances.models.entitlements import Entitlement
from cases.allowances.models.rates import APP_LABEL, AllowanceCategory, Regime
from cases.models import AdministrativeUnit, Person
from workflows.formatting import month_label
from workflows.models import AuditEvent
from workflows.text import VI_COLLATION, NormalizedCharField


class PayrollState(models.TextChoices):
    DRAFT = "draft", _("Generated, being checked")
    SUBMITTED = "submitted", _("Submitted for review")
    REVIEWED = "reviewed", _("Reviewed by district")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent for payment")
    RECONCILED = "reconciled", _("Reconciled")
    CLOSED = "closed", _("Closed")


P = PayrollState


class Payroll(FSMModelMixin, models.Model):
    """One commune's allowance payroll for one month."""

    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))
    state = FSMField(_("state"), default=P.DRAFT, protected=True, max_length=20)
    flow_process = models.OneToOneField(
        "viewflow.Process", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept by generation and by the payment results (list pages read them).
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_amount = models.BigIntegerField(_("total"), default=0)
    paid_count = models.PositiveIntegerField(_("paid lines"), default=0)
    paid_amount = models.BigIntegerField(_("paid"), default=0)
    # Lines and amounts by kind and by state, {"kind": {k: [n, amount]},
    # "state": {...}}, kept with the counts above (the payroll page reads them).
    tallies = models.JSONField(default=dict, blank=True, editable=False)
    # The differences from the commune's previous payroll, worked out when the
    # lines are generated (`differences.compute`): the month compared with
    # (None: there was no previous payroll) and {change: [count, amount]};
    # the people are in PayrollChange.
    compared_month = models.DateField(null=True, blank=True, editable=False)
    change_totals = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("allowance payroll")
        verbose_name_plural = _("allowance payrolls")
        ordering = ["-month", "commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "month"], name="payroll_commune_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="payroll_month_start"),
        ]

    def __str__(self) -> str:
        return f"{self.commune} · {month_label(self.month)}"

    @property
    def reference(self) -> str:
        return str(_("Payroll %(month)s · %(commune)s")) % {
            "month": month_label(self.month),
            "commune": self.commune.name,
        }

    @transition(field="state", source=P.DRAFT, target=P.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=P.SUBMITTED, target=P.REVIEWED)
    def review(self, data: dict) -> None:
        pass

    @transition(field="state", source=P.REVIEWED, target=P.APPROVED)
    def approve(self, data: dict) -> None:
        pass

    @transition(field="state", source=P.APPROVED, target=P.SENT)
    def send(self, data: dict) -> None:
        pass

    @transition(field="state", source=P.SENT, target=P.RECONCILED)
    def reconcile(self, data: dict) -> None:
        pass

    @transition(field="state", source=P.RECONCILED, target=P.CLOSED)
    def close(self, data: dict) -> None:
        pass

    @transition(field="state", source=[P.SUBMITTED, P.REVIEWED], target=P.DRAFT)
    def return_for_correction(self, data: dict) -> None:
        pass


def stamp(column: str) -> models.ForeignKey:
    """A batch audit event's id on a line (no database constraint: the audit
    table is append-only, and partitions keep their own indexes small)."""
    return models.ForeignKey(
        AuditEvent,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_column=column,
        db_index=False,
        related_name="+",
    )


class LineKind(models.TextChoices):
    REGULAR = "regular", _("Monthly allowance")
    ARREARS = "arrears", _("Arrears")
    ONE_OFF = "one_off", _("One-off support")


class LineState(models.TextChoices):
    LISTED = "listed", _("Listed")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent for payment")
    PAID = "paid", _("Paid")
    UNPAID = "unpaid", _("Not paid")
    CARRIED = "carried", _("Carried to the next month")
    RETURNED = "returned", _("Returned to the budget")


class UnpaidReason(models.TextChoices):
    NOT_COLLECTED = "not_collected", _("Not collected")
    DECEASED = "deceased", _("Deceased")
    MOVED = "moved", _("Moved away")
    ABSENT = "absent", _("Away from home")
    WRONG_ACCOUNT = "wrong_account", _("Wrong bank account")
    OTHER = "other", _("Other")


LN = LineState
# A line still holds its month (no second line of its kind for that month):
# everything but a line carried (its successor holds it) or returned.
LINE_LIVE = [LN.LISTED, LN.APPROVED, LN.SENT, LN.PAID, LN.UNPAID]


class PayrollLine(FSMModelMixin, models.Model):
    """One amount for one entitlement in one payroll: the month's allowance,
    arrears for an earlier month (`for_month`), or a one-off support.

    The table is partitioned by `month` (the payroll's month); its primary key
    in the database is (id, month), `id` alone being unique by its sequence.
    Unique in the database: one live regular line per entitlement and month
    (so a person is never paid twice for a month, whatever runs at once), and
    one live arrears line per entitlement, month owed and payroll."""

    # A reorganisation moves the row with its list: its commune is the list's,
    # unless it is settled (paid, carried, returned): history keeps its unit.
    COMMUNE_FOLLOWS = "payroll"
    COMMUNE_SETTLED = frozenset({LineState.PAID, LineState.CARRIED, LineState.RETURNED})

    month = models.DateField(_("payroll month"))
    payroll = models.ForeignKey(Payroll, on_delete=models.PROTECT, related_name="lines")
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    regime = models.CharField(_("regime"), max_length=20, choices=Regime.choices)
    category = models.ForeignKey(AllowanceCategory, on_delete=models.PROTECT, related_name="+")
    for_month = models.DateField(_("for month"))
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    amount = models.BigIntegerField(_("amount"))
    state = FSMField(_("state"), default=LN.LISTED, protected=True, max_length=20)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    unpaid_reason = models.CharField(
        _("reason not paid"), max_length=20, choices=UnpaidReason.choices, blank=True
    )
    note = NormalizedCharField(_("note"), max_length=300, blank=True)
    # The line of an earlier payroll this one pays again (no foreign key: a
    # partitioned table's id is unique by its sequence, not by a constraint).
    carried_from = models.BigIntegerField(null=True, blank=True)
    # The person's name when the line was generated: the list's order (by
    # name, then kind and id) is read from an index on it, without reading
    # the people (the page shows the person's name as it is now).
    listed_name = models.CharField(
        max_length=120, blank=True, db_default="", db_collation=VI_COLLATION, editable=False
    )
    # The audit events that moved the line: one event per payroll step for all
    # its lines (`bulk_transition(audit="batch")`), its id stamped on each.
    approved_event = stamp("approved_event")
    sent_event = stamp("sent_event")
    result_event = stamp("result_event")
    settled_event = stamp("settled_event")

    class Meta:
        app_label = APP_LABEL
        # Migration 0001 creates the table in SQL (partitioned, its indexes and
        # unique indexes with it); Django only knows its columns.
        verbose_name = _("payroll line")
        verbose_name_plural = _("payroll lines")

    L = LineState

    @transition(field="state", source=LN.LISTED, target=LN.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field="state", source=LN.APPROVED, target=LN.SENT)
    def send(self) -> None:
        pass

    @transition(field="state", source=LN.SENT, target=LN.PAID)
    def record_paid(self) -> None:
        pass

    @transition(field="state", source=LN.SENT, target=LN.UNPAID)
    def record_unpaid(self) -> None:
        pass

    @transition(field="state", source=LN.UNPAID, target=LN.CARRIED)
    def carry(self) -> None:
        pass

    @transition(field="state", source=LN.UNPAID, target=LN.RETURNED)
    def return_unpaid(self) -> None:
        pass


class ChangeKind(models.TextChoices):
    NEW = "new", _("Newly paid")
    STOPPED = "stopped", _("No longer paid")
    CHANGED = "changed", _("Amount changed")
    ARREARS = "arrears", _("Arrears")
    ONE_OFF = "one_off", _("One-off support")
    CARRIED = "carried", _("Carried from an earlier month")


class PayrollChange(models.Model):
    """One difference of a payroll from the commune's previous payroll (by
    person and regime: newly paid, no longer paid, amount changed; and this
    month's arrears, one-off and carried lines), written when the payroll's
    lines are generated, for the reviewer."""

    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="changes")
    change = models.CharField(max_length=10, choices=ChangeKind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    listed_name = models.CharField(max_length=120, db_collation=VI_COLLATION)
    regime = models.CharField(max_length=20, choices=Regime.choices)
    before = models.BigIntegerField()
    after = models.BigIntegerField()

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("payroll difference")
        verbose_name_plural = _("payroll differences")
        indexes = [
            models.Index(
                fields=["payroll", "change", "listed_name", "id"], name="payroll_change_order"
            )
        ]


class ImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Refused: rows with errors")


class PaymentResultImport(models.Model):
    """One upload of payment results for a payroll, whatever came of it."""

    payroll = models.ForeignKey(Payroll, on_delete=models.CASCADE, related_name="imports")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = NormalizedCharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ImportOutcome.choices)
    rows_read = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    unpaid = models.PositiveIntegerField(default=0)
    # Every refused row's problems: [{row, column, code, message}].
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("payment results import")
        verbose_name_plural = _("payment results imports")
        ordering = ["-created_at", "-id"]
