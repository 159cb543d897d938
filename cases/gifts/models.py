"""Gift campaigns (Tết, 27/7): campaign -> packages -> per-commune lists -> rows."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.models import AdministrativeUnit, Category, MeritSubtype, Person
from workflows.formatting import money
from workflows.text import NormalizedCharField

# The shared `cases` app label: tables, content types, permissions and migration
# history stay where they were before the process got its own package.
APP_LABEL = "cases"

# --- Gift campaigns (Tết, 27/7): campaign -> packages -> per-commune lists -> rows


class GiftSource(models.TextChoices):
    PRESIDENT = "president", _("State President")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")
    PRIVATE = "private", _("Private contribution")


class Campaign(models.Model):
    """A gift campaign, e.g. "Tết Giáp Thìn 2024" or "27/7/2024"."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = NormalizedCharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    occasion_date = models.DateField(_("occasion date"))
    decision = NormalizedCharField(
        _("legal basis"), max_length=300, blank=True, help_text=_("e.g. QĐ 1583/QĐ-CTN")
    )
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("gift campaign")
        verbose_name_plural = _("gift campaigns")
        ordering = ["-occasion_date", "name"]

    def __str__(self) -> str:
        return self.name


class CampaignBudget(models.Model):
    """What a funding source gives to a campaign (private: per donor)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="budgets")
    source = models.CharField(_("funding source"), max_length=20, choices=GiftSource.choices)
    donor = NormalizedCharField(_("donor"), max_length=200, blank=True)
    allocated = models.BigIntegerField(_("allocated"))

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("campaign budget")
        verbose_name_plural = _("campaign budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "source", "donor"], name="campaign_budget_unique"
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="campaign_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(source="private") | ~Q(donor=""), name="private_budget_has_donor"
            ),
        ]

    def __str__(self) -> str:
        label = self.get_source_display()
        return f"{label} {self.donor}".strip() + f": {money(self.allocated)}"


class GiftPackage(models.Model):
    """One kind of gift in a campaign: its source, the amount per recipient and
    who is eligible. Packages sharing an `exclusive_group` (the President's
    600,000 / 300,000) give a person at most one of them: the highest amount
    they qualify for. A package with a commune is that commune's own gift."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="packages")
    code = models.SlugField(_("code"), max_length=40)
    name = NormalizedCharField(_("name"), max_length=200)
    source = models.CharField(_("funding source"), max_length=20, choices=GiftSource.choices)
    donor = NormalizedCharField(_("donor"), max_length=200, blank=True)
    commune = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("only for commune"),
    )
    amount = models.BigIntegerField(_("amount per recipient"))
    categories = ArrayField(
        models.CharField(max_length=30, choices=Category.choices),
        verbose_name=_("eligible categories"),
        default=list,
        blank=True,
    )
    merit_subtypes = ArrayField(
        models.CharField(max_length=30, choices=MeritSubtype.choices),
        verbose_name=_("eligible merit subtypes (empty: any)"),
        default=list,
        blank=True,
    )
    exclusive_group = models.CharField(_("one gift per person in group"), max_length=40, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("gift package")
        verbose_name_plural = _("gift packages")
        ordering = ["campaign", "source", "-amount", "code"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "code"], name="gift_package_code_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="gift_package_amount_positive"),
            models.CheckConstraint(
                condition=~Q(source="private") | ~Q(donor=""), name="private_package_has_donor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({money(self.amount)})"

    def accepts(self, person: Person) -> bool:
        """Eligibility by the package's rules (registry categories and subtypes)."""
        if self.commune_id and person.commune_id != self.commune_id:
            return False
        if self.categories and not set(self.categories) & set(person.categories or []):
            return False
        if self.merit_subtypes and person.merit_subtype not in self.merit_subtypes:
            return False
        return True


class GiftListState(models.TextChoices):
    PREPARING = "preparing", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted to the commune leader")
    CONFIRMED = "confirmed", _("Confirmed by commune")
    REVIEWED = "reviewed", _("Reviewed by district")
    APPROVED = "approved", _("Approved")
    DISTRIBUTED = "distributed", _("Distribution recorded")
    CLOSED = "closed", _("Closed")


class GiftList(FSMModelMixin, models.Model):
    """A commune's recipient list for a campaign: one viewflow process each.

    The list moves through `workflows.engine.transition` (spec in
    `cases/gifts/spec.py`); its rows move in bulk with it.
    """

    L = GiftListState

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="lists")
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    state = FSMField(default=L.PREPARING, protected=True, max_length=20)
    flow_process = models.OneToOneField(
        "viewflow.Process",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="gift_list",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("commune gift list")
        verbose_name_plural = _("commune gift lists")
        ordering = ["campaign", "commune__name"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "commune"], name="gift_list_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.commune}"

    @property
    def reference(self) -> str:
        """How notifications and pages name the list: campaign · commune."""
        return f"{self.campaign.name} · {self.commune.name}"

    @transition(field="state", source=L.PREPARING, target=L.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=L.SUBMITTED, target=L.CONFIRMED)
    def confirm(self, data: dict) -> None:
        pass

    @transition(field="state", source=L.CONFIRMED, target=L.REVIEWED)
    def review(self, data: dict) -> None:
        pass

    @transition(field="state", source=L.REVIEWED, target=L.APPROVED)
    def approve(self, data: dict) -> None:
        pass

    @transition(field="state", source=L.APPROVED, target=L.DISTRIBUTED)
    def record_distribution(self, data: dict) -> None:
        pass

    @transition(field="state", source=L.DISTRIBUTED, target=L.CLOSED)
    def close(self, data: dict) -> None:
        pass

    @transition(field="state", source=[L.SUBMITTED, L.CONFIRMED, L.REVIEWED], target=L.PREPARING)
    def return_for_correction(self, data: dict) -> None:
        pass


class GiftRecipientState(models.TextChoices):
    LISTED = "listed", _("Listed")
    APPROVED = "approved", _("Approved")
    DELIVERED = "delivered", _("Delivered")
    RETURNED = "returned", _("Not delivered")


class ReturnReason(models.TextChoices):
    UNCLAIMED = "unclaimed", _("Not collected")
    DECEASED = "deceased", _("Deceased")
    MOVED = "moved", _("Moved away")


class SignedBy(models.TextChoices):
    RECIPIENT = "recipient", _("The recipient")
    PROXY = "proxy", _("A proxy")


class GiftRecipient(FSMModelMixin, models.Model):
    """One person on a commune's gift list: moved in bulk by the engine.

    Mass programmes keep one row per recipient and one viewflow process per
    list, never per recipient; rows move with `workflows.engine.bulk_transition`.
    """

    # A reorganisation moves the row with its list: its commune is the list's,
    # unless the gift was handed over or not (history keeps its unit).
    COMMUNE_FOLLOWS = "gift_list"
    COMMUNE_SETTLED = frozenset({GiftRecipientState.DELIVERED, GiftRecipientState.RETURNED})

    gift_list = models.ForeignKey(GiftList, on_delete=models.PROTECT, related_name="rows")
    package = models.ForeignKey(GiftPackage, on_delete=models.PROTECT, related_name="rows")
    # Copied from the list: scoping and bulk_transition read it on the row.
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="gifts")
    amount = models.BigIntegerField(_("amount"))
    state = FSMField(default=GiftRecipientState.LISTED, protected=True, max_length=20)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    signed_by = models.CharField(
        _("signed by"), max_length=10, choices=SignedBy.choices, blank=True
    )
    proxy_name = NormalizedCharField(_("proxy's name"), max_length=200, blank=True)
    proxy_relationship = NormalizedCharField(_("proxy's relationship"), max_length=100, blank=True)
    return_reason = models.CharField(
        _("reason not delivered"), max_length=10, choices=ReturnReason.choices, blank=True
    )
    note = NormalizedCharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("gift-list row")
        verbose_name_plural = _("gift-list rows")
        indexes = [
            models.Index(fields=["commune", "state"]),
            models.Index(fields=["gift_list", "state"]),
            models.Index(fields=["person"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="gift_amount_positive"),
            # Never twice from the same package (a returned row frees the person,
            # e.g. to be listed again where they moved to).
            models.UniqueConstraint(
                fields=["package", "person"],
                condition=~Q(state="returned"),
                name="gift_once_per_package",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(delivered_on__isnull=False),
                name="gift_delivered_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(signed_by="proxy") | (~Q(proxy_name="") & ~Q(proxy_relationship="")),
                name="gift_proxy_named",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(return_reason=""),
                name="gift_returned_has_reason",
            ),
        ]

    G = GiftRecipientState

    @transition(field="state", source=G.LISTED, target=G.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field="state", source=G.APPROVED, target=G.DELIVERED)
    def deliver(self) -> None:
        pass

    @transition(field="state", source=G.APPROVED, target=G.RETURNED)
    def return_unclaimed(self) -> None:
        pass


class GiftImportOutcome(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    REFUSED = "refused", _("Refused: rows with errors")
    HIDDEN_ROWS = "hidden_rows", _("Waiting for a choice about hidden rows")


class GiftImportAttempt(models.Model):
    """One upload of a gift list file, whatever came of it: the file as
    uploaded (so the officer can get it back with the refused rows marked, or
    answer the question about hidden rows without uploading it again) and
    what the import found. Kept GIFT_IMPORT_KEEP_DAYS days."""

    gift_list = models.ForeignKey(
        GiftList, on_delete=models.CASCADE, related_name="import_attempts"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    outcome = models.CharField(_("outcome"), max_length=20, choices=GiftImportOutcome.choices)
    only_valid = models.BooleanField(default=False)
    hidden_rows_choice = models.CharField(max_length=10, blank=True)
    header_row = models.PositiveIntegerField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    people_created = models.PositiveIntegerField(default=0)
    # Row numbers of the sheet (the header row counted as in Excel).
    hidden_rows = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    section_rows = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    # Every refused row's problems: [{row, column, code, message}], in the
    # language the officer used.
    errors = models.JSONField(default=list, blank=True)
    # Column number (1-based) of each template column found in the header.
    columns = models.JSONField(default=dict, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("gift list import")
        verbose_name_plural = _("gift list imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.gift_list})"

    @property
    def refused_rows(self) -> list[int]:
        return sorted({int(e["row"]) for e in self.errors})
