"""The shared registry: administrative units, households, people, documents and the `Case` base.

Case state lives in one protected FSM field on the `Case` base table so that
scoping, lists and set-based bulk transitions work the same for every process;
each process subclass declares its own transitions on that field. Nothing but
`workflows.engine` calls those transitions.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from cases.validators import validate_national_id
from workflows.formatting import vn_date
from workflows.text import VI_COLLATION, NormalizedCharField, folded_column


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
    # Vietnamese order in every list, dropdown, export and document.
    name = NormalizedCharField(_("name"), max_length=120, db_collation=VI_COLLATION)
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
            ("role_commune_specialist", _("Commune culture–society specialist")),
            ("role_commune_chairman", _("Commune People's Committee chairman")),
            ("role_commune_accountant", _("Commune accountant")),
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

    @classmethod
    def devolved_sql(cls) -> str:
        """SQL of one row: the highest unit id, and the ids of the communes
        with no district above them (the two-level government's, whose own
        staff do the district's steps)."""
        t = cls._meta.db_table
        return (
            f"SELECT (SELECT max(id) FROM {t}) AS top, ARRAY(SELECT u.id FROM {t} u "
            f"LEFT JOIN {t} p ON p.id = u.parent_id WHERE u.level = 'commune' "
            "AND p.level IS DISTINCT FROM 'district') AS ids"
        )

    @classmethod
    def lineage_sql(cls) -> str:
        """SQL of (predecessor_id, successor_id), every line of every
        reorganisation: the staff of a successor read its predecessors' history."""
        table = UnitChange._meta.db_table
        return f"SELECT predecessor_id, successor_id FROM {table} WHERE successor_id IS NOT NULL"

    @classmethod
    def by_code(
        cls, codes: list[str], *, level: str | None = None, on: dt.date | None = None
    ) -> dict[str, AdministrativeUnit]:
        """Code -> the unit it names on `on` (today): of the units with that
        code in force that day, the one formed last (a code a reorganisation
        gave to a new unit names the new unit from that day). One query."""
        on = on or timezone.localdate()
        rows = cls.objects.filter(cls.in_force_on(on), code__in=codes)
        if level:
            rows = rows.filter(level=level)
        # Latest last: the dict keeps it.
        ordered = rows.order_by(models.F("valid_from").asc(nulls_first=True), "id")
        return {u.code: u for u in ordered}

    @staticmethod
    def in_force_on(day: dt.date) -> Q:
        """The units that exist on `day`: from `valid_from` (none: always had)
        until the day before `valid_to` (the first day it no longer exists)."""
        return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )


class UnitChange(models.Model):
    """One line of an official reorganisation: from `effective`, all of a unit
    (or, for a split, the villages listed) belongs to its successor. A unit
    abolished with its level (a district) has no successor. Rows loaded from
    the official mapping (`manage.py load_unit_mapping`); `unverified` marks
    a mapping still to be confirmed against the resolution (the demo's)."""

    class Kind(models.TextChoices):
        MERGE = "merge", _("Merged into")
        SPLIT = "split", _("Part (villages) to")
        RENAME = "rename", _("Renamed")
        ABOLISH = "abolish", _("Level abolished")

    predecessor = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="changes_out",
        verbose_name=_("former unit"),
    )
    successor = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes_in",
        verbose_name=_("successor unit"),
    )
    kind = models.CharField(_("kind of change"), max_length=10, choices=Kind.choices)
    villages = ArrayField(
        NormalizedCharField(max_length=120),
        default=list,
        blank=True,
        verbose_name=_("villages"),
        help_text=_("For a split: the villages (thôn) of the former unit that go to this one."),
    )
    effective = models.DateField(_("effective from"))
    decision = NormalizedCharField(_("decision"), max_length=200)
    unverified = models.BooleanField(
        _("to be confirmed"),
        default=False,
        help_text=_("Demo mapping, not yet checked against the resolution."),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("administrative unit change")
        verbose_name_plural = _("administrative unit changes")
        ordering = ["effective", "predecessor__code", "successor__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor", "effective"], name="unit_change_unique"
            ),
            # A split names its villages; a whole unit names none.
            models.CheckConstraint(
                condition=Q(kind="split", villages__len__gt=0)
                | (~Q(kind="split") & Q(villages=[])),
                name="unit_change_villages",
            ),
            # Only a unit abolished with its level has no successor.
            models.CheckConstraint(
                condition=Q(kind="abolish", successor__isnull=True)
                | (~Q(kind="abolish") & Q(successor__isnull=False)),
                name="unit_change_successor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor or '—'} ({vn_date(self.effective)})"


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

    number = NormalizedCharField(_("household number"), max_length=32, blank=True)
    address = NormalizedCharField(_("address"), max_length=255)
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT)

    def __str__(self) -> str:
        return self.number or self.address


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    # Vietnamese order (Đ after D, "Tạ" before "Trịnh") wherever people are listed.
    full_name = NormalizedCharField(_("full name"), max_length=120, db_collation=VI_COLLATION)
    # What name search reads: no diacritics, lower case (workflows.text).
    full_name_folded = folded_column("full_name")
    date_of_birth = models.DateField(_("date of birth"))
    # Registered with a birth year alone (elderly people often are): the date
    # is then 01/01 of that year and is shown as the year (birth_date_display).
    birth_year_only = models.BooleanField(_("birth year only"), default=False, db_default=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # Unique within each registry: the general one, and the drug-rehab one
    # (see `rehab_only`), so the general registry never learns of a rehab case.
    national_id = models.CharField(
        _("national ID number"), max_length=12, validators=[validate_national_id]
    )
    address = NormalizedCharField(_("address"), max_length=255, blank=True)
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="people")
    # The village (thôn, tổ dân phố) within the commune: a unit split by
    # villages sends each person to the successor that took their village.
    village = NormalizedCharField(
        _("village (thôn, tổ dân phố)"), max_length=120, blank=True, default="", db_default=""
    )
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
        indexes = [
            models.Index(fields=["commune", "full_name"]),
            models.Index(fields=["national_id"], name="person_national_id"),
            # Name search with or without diacritics: LIKE '%term%' on the fold.
            GinIndex(
                fields=["full_name_folded"],
                opclasses=["gin_trgm_ops"],
                name="person_name_fold_trgm",
            ),
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

    @property
    def birth_date_display(self) -> str:
        """The date of birth as written everywhere: 17/05/1960, or 1951 for a
        person registered with the year alone."""
        return birth_date_display(self.date_of_birth, self.birth_year_only)


class PersonAddress(models.Model):
    """Where a person lived from a date: written when they are registered and
    when a reorganisation moves their commune (the national-ID registry is
    not touched). The latest row is the person's address now."""

    class Reason(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        REORGANIZATION = "reorganization", _("Administrative units reorganised")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    commune = models.ForeignKey(AdministrativeUnit, on_delete=models.PROTECT, related_name="+")
    village = NormalizedCharField(
        _("village (thôn, tổ dân phố)"), max_length=120, blank=True, default="", db_default=""
    )
    address = NormalizedCharField(_("address"), max_length=255, blank=True)
    since = models.DateField(_("from"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    previous_commune = models.ForeignKey(
        AdministrativeUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("previous commune"),
    )
    decision = NormalizedCharField(_("decision"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("address history")
        verbose_name_plural = _("address history")
        ordering = ["person", "since", "pk"]
        indexes = [models.Index(fields=["person", "since"])]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.commune} ({vn_date(self.since)})"


def birth_date_display(date_of_birth: dt.date | None, year_only: bool) -> str:
    """For values read without a Person (exports from .values()): the same text."""
    if date_of_birth is None:
        return ""
    return str(date_of_birth.year) if year_only else vn_date(date_of_birth)


class Case(FSMModelMixin, models.Model):
    """What every process has in common: a commune, an applicant and a state."""

    class Process(models.TextChoices):
        HOUSING = "housing", _("Housing support")
        REHAB_COMPULSORY = "rehab_compulsory", _("Compulsory drug rehab referral")
        REHAB_VOLUNTARY = "rehab_voluntary", _("Voluntary drug rehab")
        ALLOWANCE = "allowance", _("Monthly allowance decision")

    # A reorganisation splitting a commune by villages sends a case where its
    # applicant's village went (`cases.reorganization.portions`).
    COMMUNE_BY_PERSON = "applicant"

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


class DocumentRequirement(models.Model):
    """Documents a program needs before a case may be submitted (data, not code)."""

    process = models.CharField(_("process"), max_length=20, choices=Case.Process.choices)
    program = models.CharField(
        _("program"), max_length=20, blank=True, help_text=_("empty = every program")
    )
    kind = models.CharField(_("document kind"), max_length=40)
    label = NormalizedCharField(_("label"), max_length=200)
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
    original_name = NormalizedCharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]
