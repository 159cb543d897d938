"""Registry (administrative units, households, people) and case models.

Case state lives in one protected FSM field on the `Case` base table so that
scoping, lists and set-based bulk transitions work the same for every process;
each process subclass declares its own transitions on that field. Nothing but
`workflows.engine` calls those transitions.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from cases.formatting import money, vn_date
from cases.validators import validate_national_id


class AdministrativeUnit(models.Model):
    """Province, district or commune, with validity dates and a successor.

    Commune roles hold their django-guardian object permission on these rows.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")

    class Kind(models.TextChoices):
        CITY = "thanh_pho", _("Centrally-run city")
        PROVINCE = "tinh", _("Province")
        DISTRICT = "huyen", _("Rural district")
        COMMUNE = "xa", _("Commune")
        TOWNSHIP = "thi_tran", _("Township")
        WARD = "phuong", _("Ward")

    code = models.CharField(_("official code"), max_length=10)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(fields=["level", "code", "valid_from"], name="unit_code_unique")
        ]
        # Role permissions. Commune roles hold them per commune row (guardian,
        # through a per-commune group); district roles hold them globally.
        permissions = [
            ("role_commune_officer", _("Commune social-affairs officer")),
            ("role_commune_leader", _("Commune People's Committee leader")),
            ("role_district_specialist", _("District specialist")),
            ("role_office_head", _("Head of the office")),
            ("role_accountant", _("Accountant")),
            ("role_auditor", _("Auditor")),
            ("role_commune_rehab", _("Commune drug-rehab officer")),
            ("role_commune_police", _("Head of commune police")),
            ("role_district_rehab", _("District drug-rehab staff")),
        ]

    def __str__(self) -> str:
        prefix = {"xa": "Xã", "thi_tran": "TT", "huyen": "Huyện", "thanh_pho": "TP"}.get(
            self.kind, ""
        )
        return f"{prefix} {self.name}".strip()


class Category(models.TextChoices):
    MERIT = "nguoi_co_cong", _("Person with meritorious service")
    POOR = "ho_ngheo", _("Poor household")
    NEAR_POOR = "ho_can_ngheo", _("Near-poor household")
    SOCIAL_PROTECTION = "bao_tro_xa_hoi", _("Social-protection beneficiary")
    CHILD_SPECIAL = "tre_em_hcdb", _("Child in special circumstances")


class MeritSubtype(models.TextChoices):
    NONE = "", _("—")
    ACTIVIST_PRE_1945 = "lao_thanh_cach_mang", _("Pre-1945 revolutionary activist")
    HEROIC_MOTHER = "ba_me_vnah", _("Heroic Vietnamese Mother")
    HERO = "anh_hung", _("Hero of the Armed Forces / Labour")
    WAR_INVALID = "thuong_binh", _("War invalid")
    SICK_SOLDIER = "benh_binh", _("Sick soldier")
    AGENT_ORANGE = "chat_doc_da_cam", _("Agent Orange affected activist")
    MARTYR_RELATIVE = "than_nhan_liet_si", _("Martyr's relative")
    REVOLUTION_HELPER = "nguoi_giup_do_cm", _("Person who helped the revolution")
    IMPRISONED = "bi_dich_bat_tu", _("Person imprisoned by the enemy")


class Household(models.Model):
    """A household in the national population database (identified by số hộ)."""

    number = models.CharField(_("household number"), max_length=32, blank=True)
    address = models.CharField(_("address"), max_length=255)
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return self.number or self.address


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    full_name = models.CharField(_("full name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # Unique within each registry: the general one, and the drug-rehab one
    # (see `rehab_only`), so the general registry never learns of a rehab case.
    national_id = models.CharField(
        _("national ID number"), max_length=12, validators=[validate_national_id]
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="people")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices), default=list, blank=True
    )
    merit_subtype = models.CharField(
        _("meritorious-service type"), max_length=30, choices=MeritSubtype.choices, blank=True
    )
    # A record of the drug-rehab registry: only rehab cases use it and only
    # rehab roles see it. Registering the same national ID for another process
    # makes a separate general record (its existence there would otherwise
    # tell the commune about the case, and its data would be shared).
    rehab_only = models.BooleanField(
        _("registered for drug rehab only"), default=False, db_default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["full_name"]
        # A trigram index on UPPER(full_name) for name search is created by
        # migration 0004 (Django renders this expression index incorrectly).
        indexes = [
            models.Index(fields=["commune", "full_name"]),
            models.Index(fields=["national_id"], name="person_national_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(rehab_only=False),
                name="person_national_id_unique",
            ),
            models.UniqueConstraint(
                fields=["national_id"],
                condition=Q(rehab_only=True),
                name="person_national_id_rehab_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class Case(FSMModelMixin, models.Model):
    """What every process has in common: a commune, an applicant and a state."""

    class Process(models.TextChoices):
        HOUSING = "housing", _("Housing support")
        REHAB_COMPULSORY = "rehab_compulsory", _("Compulsory drug rehab referral")
        REHAB_VOLUNTARY = "rehab_voluntary", _("Voluntary drug rehab")

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    process = models.CharField(_("process"), max_length=20, choices=Process.choices)
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="cases")
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases")
    state = FSMField(_("state"), default="draft", protected=True, max_length=30)
    flow_process = models.OneToOneField(
        "viewflow.Process",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="case",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # List pages: newest first, scoped by commune or over every commune.
            models.Index(fields=["commune", "-created_at", "-id"]),
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["state"]),
            models.Index(fields=["process", "state"]),
        ]

    def __str__(self) -> str:
        return self.reference


class FundingSource(models.TextChoices):
    CENTRAL = "central", _("Central budget")
    CITY = "city", _("City budget")
    DISTRICT = "district", _("District budget")
    COMMUNE = "commune", _("Commune budget")
    PRIVATE = "private", _("Private contributions")


class HousingProgram(models.TextChoices):
    MERIT = "nguoi_co_cong", _("People with meritorious service")
    POOR = "ho_ngheo", _("Poor households")
    NEAR_POOR = "ho_can_ngheo", _("Near-poor households")


class HousingKind(models.TextChoices):
    NEW_BUILD = "new_build", _("Build new")
    REPAIR = "repair", _("Repair")


class HousingState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    COMMUNE_VERIFIED = "commune_verified", _("Verified by commune")
    DISTRICT_REVIEWED = "district_reviewed", _("Reviewed by district")
    APPROVED = "approved", _("Approved")
    PARTIALLY_DISBURSED = "partially_disbursed", _("Partially disbursed")
    COMPLETION_ACCEPTED = "completion_accepted", _("Completion accepted")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned for correction")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CANCELLED = "cancelled", _("Cancelled")


S = HousingState
BEFORE_APPROVAL = [S.DRAFT, S.RETURNED, S.SUBMITTED, S.COMMUNE_VERIFIED, S.DISTRICT_REVIEWED]
UNDER_REVIEW = [S.SUBMITTED, S.COMMUNE_VERIFIED, S.DISTRICT_REVIEWED]
APPROVED_OPEN = [S.APPROVED, S.PARTIALLY_DISBURSED, S.COMPLETION_ACCEPTED]


class HousingCap(models.Model):
    """Maximum support per program and kind, in force from a date (decrees change it)."""

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    effective_from = models.DateField(_("effective from"))
    amount = models.BigIntegerField(_("cap (đồng)"))
    legal_basis = models.CharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("housing support cap")
        verbose_name_plural = _("housing support caps")
        ordering = ["program", "kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "kind", "effective_from"], name="housing_cap_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="housing_cap_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_program_display()} – {self.get_kind_display()}: "
            f"{money(self.amount)} ({vn_date(self.effective_from)})"
        )


class Budget(models.Model):
    """Money allocated to a program for a year from one funding source.

    `committed` is the sum of approved amounts still owed or paid; the database
    refuses a budget that would go negative or pay more than it committed.
    """

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    funding_source = models.CharField(
        _("funding source"), max_length=20, choices=FundingSource.choices
    )
    allocated = models.BigIntegerField(_("allocated"))
    committed = models.BigIntegerField(_("committed"), default=0)
    disbursed = models.BigIntegerField(_("disbursed"), default=0)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["year", "program", "funding_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "year", "funding_source"], name="budget_unique"
            ),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(committed__lte=F("allocated")),
                name="budget_not_overcommitted",
            ),
            models.CheckConstraint(
                condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("committed")),
                name="budget_disbursed_within_committed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} {self.year} ({self.get_funding_source_display()})"

    @property
    def remaining(self) -> int:
        return self.allocated - self.committed


class HousingCase(Case):
    """Support to build a new house or repair one (người có công, poor, near-poor)."""

    program = models.CharField(_("program"), max_length=20, choices=HousingProgram.choices)
    kind = models.CharField(_("kind of support"), max_length=20, choices=HousingKind.choices)
    description = models.TextField(_("current condition of the house"), blank=True)
    requested_amount = models.BigIntegerField(_("requested amount"))
    assessed_amount = models.BigIntegerField(_("assessed amount"), null=True, blank=True)
    approved_amount = models.BigIntegerField(_("approved amount"), null=True, blank=True)
    decision_number = models.CharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.PROTECT)
    disbursed_amount = models.BigIntegerField(_("disbursed"), default=0)
    accepted_on = models.DateField(_("completion accepted on"), null=True, blank=True)

    class Meta:
        verbose_name = _("housing support case")
        verbose_name_plural = _("housing support cases")
        indexes = [models.Index(fields=["program", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="housing_requested_positive"
            ),
            models.CheckConstraint(
                # approved_amount IS NOT NULL: a CHECK passes on NULL, so without it
                # a case with no approved amount could be paid anything.
                condition=Q(disbursed_amount__gte=0)
                & (
                    Q(disbursed_amount=0)
                    | (
                        Q(approved_amount__isnull=False)
                        & Q(disbursed_amount__lte=F("approved_amount"))
                    )
                ),
                name="housing_disbursed_within_approved",
            ),
        ]

    # --- transitions: pure state moves plus the fields their data sets.
    # Permission, separation of duties, caps and budget live in the engine/specs.

    @transition(field="state", source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def submit(self, data: dict) -> None:
        pass

    @transition(field="state", source=S.SUBMITTED, target=S.COMMUNE_VERIFIED)
    def verify(self, data: dict) -> None:
        pass

    @transition(field="state", source=S.COMMUNE_VERIFIED, target=S.DISTRICT_REVIEWED)
    def review(self, data: dict) -> None:
        self.assessed_amount = data["assessed_amount"]

    @transition(field="state", source=S.DISTRICT_REVIEWED, target=S.APPROVED)
    def approve(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]
        self.approved_amount = data["approved_amount"]

    @transition(field="state", source=S.APPROVED, target=S.PARTIALLY_DISBURSED)
    @transition(field="state", source=S.COMPLETION_ACCEPTED, target=S.CLOSED)
    def disburse(self, data: dict) -> None:
        self.disbursed_amount += data["amount"]

    @transition(field="state", source=S.PARTIALLY_DISBURSED, target=S.COMPLETION_ACCEPTED)
    def accept_completion(self, data: dict) -> None:
        self.accepted_on = data["accepted_on"]

    @transition(field="state", source=UNDER_REVIEW, target=S.RETURNED)
    def return_for_correction(self, data: dict) -> None:
        pass

    @transition(field="state", source=UNDER_REVIEW, target=S.REJECTED)
    def reject(self, data: dict) -> None:
        pass

    @transition(field="state", source=BEFORE_APPROVAL, target=S.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        pass

    @transition(field="state", source=APPROVED_OPEN, target=S.CANCELLED)
    def cancel(self, data: dict) -> None:
        pass


class Disbursement(models.Model):
    """One payment (tranche) of an approved housing case."""

    case = models.ForeignKey(HousingCase, on_delete=models.PROTECT, related_name="disbursements")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT)
    amount = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_positive")
        ]

    def __str__(self) -> str:
        return f"{money(self.amount)} ({vn_date(self.paid_on)})"


class DocumentRequirement(models.Model):
    """Documents a program needs before a case may be submitted (data, not code)."""

    process = models.CharField(_("process"), max_length=20, choices=Case.Process.choices)
    program = models.CharField(
        _("program"), max_length=20, blank=True, help_text=_("empty = every program")
    )
    kind = models.CharField(_("document kind"), max_length=40)
    label = models.CharField(_("label"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["process", "position", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "program", "kind"], name="document_requirement_unique"
            )
        ]

    def __str__(self) -> str:
        return self.label


def document_upload_to(instance: Document, filename: str) -> str:
    return f"cases/{instance.case_id}/{instance.sha256[:16]}-{filename}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("document kind"), max_length=40)
    file = models.FileField(upload_to=document_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]


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
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    occasion_date = models.DateField(_("occasion date"))
    decision = models.CharField(
        _("legal basis"), max_length=300, blank=True, help_text=_("e.g. QĐ 1583/QĐ-CTN")
    )
    reconciled_at = models.DateTimeField(_("reconciled at"), null=True, blank=True)
    reconciled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("gift campaign")
        verbose_name_plural = _("gift campaigns")
        ordering = ["-occasion_date", "name"]

    def __str__(self) -> str:
        return self.name


class CampaignBudget(models.Model):
    """What a funding source gives to a campaign (private: per donor)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="budgets")
    source = models.CharField(_("funding source"), max_length=20, choices=GiftSource.choices)
    donor = models.CharField(_("donor"), max_length=200, blank=True)
    allocated = models.BigIntegerField(_("allocated"))

    class Meta:
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
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("funding source"), max_length=20, choices=GiftSource.choices)
    donor = models.CharField(_("donor"), max_length=200, blank=True)
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
    `workflows/gifts.py`); its rows move in bulk with it.
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
    proxy_name = models.CharField(_("proxy's name"), max_length=200, blank=True)
    proxy_relationship = models.CharField(_("proxy's relationship"), max_length=100, blank=True)
    return_reason = models.CharField(
        _("reason not delivered"), max_length=10, choices=ReturnReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
