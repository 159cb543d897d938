"""Drug rehab cases (sensitive): compulsory referral to the court, voluntary
rehab, post-rehab check-ins, and the dated cost-support rates.

A case binds at filing to the procedure version in force that day
(`workflows.ProcedureVersion`) and keeps it; `route` copies the version's
route so the state machine and the process spec can branch on it without a
join. Who may fire what is in `workflows.rehab`; these are state moves and
the fields their data sets.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import transition

from cases.models import Case
from workflows.formatting import vn_date
from workflows.text import NormalizedCharField

# The shared `cases` app label: tables, content types, permissions and migration
# history stay where they were before the process got its own package.
APP_LABEL = "cases"
# Ages of the law on drug rehab: no measure under 12; the minors' terms under 18.
MIN_AGE, ADULT_AGE = 12, 18


class Route(models.TextChoices):
    """The steps a procedure version follows (the code in workflows.rehab)."""

    ND116_2022 = "2022", _("NĐ 116/2021: commune → notification → district legality review → court")
    TTLT03_2025 = "2025", _("TTLT 03/2025: commune police → notification → court")
    VOLUNTARY = "voluntary", _("Voluntary rehab: registration → commune decision → treatment")


class ReferralGround(models.TextChoices):
    """NĐ 116/2021 / Luật PCMT Art. 32–33. Minors (12–18): the first three only."""

    NOT_REGISTERED = "not_registered", _("Did not register for or carry out voluntary rehab")
    VOLUNTARY_DROPOUT = "voluntary_dropout", _("Dropped out of voluntary rehab")
    USED_DURING_VOLUNTARY = "used_during_voluntary", _("Used drugs during voluntary rehab")
    SUBSTITUTION = (
        "substitution",
        _(
            "Opioid user who did not register for, dropped out of or was expelled from "
            "substitution therapy"
        ),
    )
    RELAPSE = "relapse", _("Relapsed during post-rehab management")


MINOR_GROUNDS = frozenset(
    {
        ReferralGround.NOT_REGISTERED,
        ReferralGround.VOLUNTARY_DROPOUT,
        ReferralGround.USED_DURING_VOLUNTARY,
        ReferralGround.SUBSTITUTION,
    }
)


class PendingManagement(models.TextChoices):
    """Who manages the person while the case is pending (NĐ 116 Art. 44–45)."""

    FAMILY = "family", _("Family (Mẫu 35)")
    FACILITY = "facility", _("Rehab facility or social-reception centre")


class PostponeGround(models.TextChoices):
    ILLNESS = "illness", _("Serious illness certified by a district or higher hospital")
    HARDSHIP = "hardship", _("Special family hardship certified by the commune chairman")


class ExemptGround(models.TextChoices):
    ILLNESS = "illness", _("Serious illness")
    VOLUNTARY_DONE = "voluntary_done", _("Completed voluntary rehab during the postponement")


class ReferralState(models.TextChoices):
    DRAFT = "draft", _("Compiling the dossier")
    NOTIFIED = "notified", _("Notified — family reading the dossier")
    LEGALITY_REVIEW = "legality_review", _("Legality review (district office)")
    FILED = "filed", _("Filed with the court")
    DECIDED = "decided", _("Court decided — awaiting placement")
    POSTPONED = "postponed", _("Placement postponed")
    IN_TREATMENT = "in_treatment", _("Placed — in treatment")
    POST_REHAB = "post_rehab", _("Post-rehab management")
    CLOSED = "closed", _("Completed (Mẫu 54)")
    RELAPSED = "relapsed", _("Relapsed — new referral opened")
    COURT_REFUSED = "court_refused", _("Court did not order rehab")
    EXEMPTED = "exempted", _("Exempted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VoluntaryState(models.TextChoices):
    DRAFT = "draft", _("Registration being entered")
    REGISTERED = "registered", _("Registered — awaiting the commune decision")
    APPROVED = "approved", _("Decision issued")
    IN_TREATMENT = "in_treatment", _("In treatment")
    POST_REHAB = "post_rehab", _("Post-rehab management")
    CLOSED = "closed", _("Completed (Mẫu 54)")
    RELAPSED = "relapsed", _("Relapsed — compulsory referral opened")
    DROPPED_OUT = "dropped_out", _("Dropped out — compulsory referral opened")
    REFUSED = "refused", _("Registration refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RehabSetting(models.TextChoices):
    HOME = "home", _("At home or in the community")
    FACILITY = "facility", _("At a rehab facility")


class SupportCategory(models.TextChoices):
    """Who the state pays 95% of voluntary-rehab costs for (the rate is data)."""

    NONE = "", _("None (pays the costs)")
    MERIT = "merit", _("Person with meritorious service (veteran)")
    AGENT_ORANGE = "agent_orange", _("Agent Orange impairment of 81 percent or more")
    POOR = "poor", _("Poor household")
    LONELY_ELDERLY = "lonely_elderly", _("Lonely elderly person")
    ORPHAN = "orphan", _("Orphan")
    SEVERE_DISABILITY = "severe_disability", _("Person with a severe disability")


class RehabCase(Case):
    """What both rehab processes share: the bound version and post-rehab."""

    procedure_version = models.ForeignKey(
        "workflows.ProcedureVersion",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("procedure version"),
    )
    route = models.CharField(_("route"), max_length=10, choices=Route.choices)
    is_minor = models.BooleanField(_("aged 12 to under 18 at filing"), default=False)
    post_rehab_months = models.PositiveSmallIntegerField(
        _("post-rehab management (months)"), null=True, blank=True
    )
    post_rehab_from = models.DateField(_("post-rehab management from"), null=True, blank=True)
    post_rehab_until = models.DateField(_("post-rehab management until"), null=True, blank=True)
    certificate_number = NormalizedCharField(
        _("completion certificate number (Mẫu 54)"), max_length=50, blank=True
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    relapse_on = models.DateField(_("relapse on"), null=True, blank=True)
    # The case this one follows (a relapse, or a dropped-out voluntary rehab).
    previous_case = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("follows case"),
    )

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("drug rehab case")
        verbose_name_plural = _("drug rehab cases")
        permissions = [("export_rehab", _("Export drug-rehab records"))]

    @property
    def program(self) -> str:
        """Document requirements are keyed by route (as housing keys them by program)."""
        return self.route


R = ReferralState
BEFORE_COURT = [R.DRAFT, R.NOTIFIED]


def _is_2025(case: Any) -> bool:
    return case.route == Route.TTLT03_2025


def _is_2022(case: Any) -> bool:
    return case.route == Route.ND116_2022


def _files_from_here(case: Any) -> bool:
    """The 2025 route files straight from notification; the 2022 one after review."""
    return case.state == R.LEGALITY_REVIEW or _is_2025(case)


class RehabReferral(RehabCase):
    """Compulsory referral (đưa vào cơ sở cai nghiện bắt buộc), to the court."""

    ground = models.CharField(_("ground"), max_length=30, choices=ReferralGround.choices)
    violation_record_number = NormalizedCharField(
        _("violation record number (Mẫu 27)"), max_length=50, blank=True
    )
    violation_on = models.DateField(_("violation found on"), null=True, blank=True)
    stable_residence = models.BooleanField(_("has a stable residence"), default=True)
    pending_management = models.CharField(
        _("management while pending"), max_length=10, choices=PendingManagement.choices, blank=True
    )
    pending_facility = NormalizedCharField(
        _("facility (while pending)"), max_length=200, blank=True
    )
    pending_from = models.DateField(_("managed from"), null=True, blank=True)
    notified_on = models.DateField(_("person and family notified on"), null=True, blank=True)
    reading_until = models.DateField(_("dossier reading until"), null=True, blank=True)
    court_name = NormalizedCharField(_("court"), max_length=200, blank=True)
    filed_on = models.DateField(_("filed with the court on"), null=True, blank=True)
    decision_number = NormalizedCharField(_("court decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("court decision date"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True
    )
    centre_name = NormalizedCharField(_("rehab centre"), max_length=200, blank=True)
    complaint_until = models.DateField(_("complaint window ends"), null=True, blank=True)
    postpone_ground = models.CharField(
        _("postponement ground"), max_length=20, choices=PostponeGround.choices, blank=True
    )
    postponed_until = models.DateField(_("postponed until"), null=True, blank=True)
    exempt_ground = models.CharField(
        _("exemption ground"), max_length=20, choices=ExemptGround.choices, blank=True
    )
    placed_on = models.DateField(_("placed in the centre on"), null=True, blank=True)
    release_due_on = models.DateField(_("release due on"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("compulsory rehab referral")
        verbose_name_plural = _("compulsory rehab referrals")
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_months__isnull=True)
                | Q(duration_months__gte=1, duration_months__lte=36),
                name="rehab_duration_sane",
            ),
        ]

    @transition(field="state", source=R.DRAFT, target=R.NOTIFIED)
    def notify(self, data: dict) -> None:
        self.notified_on = data["notified_on"]
        self.pending_management = data["pending_management"]
        self.pending_facility = data.get("pending_facility", "")
        self.pending_from = data.get("pending_from")

    @transition(field="state", source=R.NOTIFIED, target=R.LEGALITY_REVIEW, conditions=[_is_2022])
    def send_for_review(self, data: dict) -> None:
        pass

    @transition(
        field="state",
        source=[R.NOTIFIED, R.LEGALITY_REVIEW],
        target=R.FILED,
        conditions=[_files_from_here],
    )
    def file_with_court(self, data: dict) -> None:
        self.court_name = data["court_name"]
        self.filed_on = data["filed_on"]

    @transition(field="state", source=R.LEGALITY_REVIEW, target=R.DRAFT, conditions=[_is_2022])
    def return_for_correction(self, data: dict) -> None:
        pass

    @transition(field="state", source=R.FILED, target=R.DECIDED)
    def record_decision(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]
        self.duration_months = data["duration_months"]
        self.centre_name = data["centre_name"]

    @transition(field="state", source=R.FILED, target=R.COURT_REFUSED)
    def record_refusal(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]

    @transition(field="state", source=R.DECIDED, target=R.POSTPONED)
    def postpone(self, data: dict) -> None:
        self.postpone_ground = data["postpone_ground"]
        self.postponed_until = data["postponed_until"]

    @transition(field="state", source=R.POSTPONED, target=R.DECIDED)
    def resume(self, data: dict) -> None:
        pass

    @transition(field="state", source=[R.DECIDED, R.POSTPONED], target=R.EXEMPTED)
    def exempt(self, data: dict) -> None:
        self.exempt_ground = data["exempt_ground"]

    @transition(field="state", source=R.DECIDED, target=R.IN_TREATMENT)
    def place(self, data: dict) -> None:
        self.placed_on = data["placed_on"]

    @transition(field="state", source=R.IN_TREATMENT, target=R.POST_REHAB)
    def release(self, data: dict) -> None:
        self.released_on = data["released_on"]
        self.post_rehab_from = data["released_on"]

    @transition(field="state", source=R.POST_REHAB, target=R.CLOSED)
    def complete(self, data: dict) -> None:
        self.certificate_number = data["certificate_number"]
        self.completed_on = data["completed_on"]

    @transition(field="state", source=R.POST_REHAB, target=R.RELAPSED)
    def relapse(self, data: dict) -> None:
        self.relapse_on = data["relapse_on"]

    @transition(field="state", source=BEFORE_COURT, target=R.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        pass


V = VoluntaryState


class VoluntaryRehab(RehabCase):
    """Voluntary rehab (cai nghiện tự nguyện), registered at the commune (TTHC 1.010941)."""

    setting = models.CharField(_("where"), max_length=10, choices=RehabSetting.choices)
    facility_name = NormalizedCharField(_("facility"), max_length=200, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    support_category = models.CharField(
        _("cost-support category"), max_length=20, choices=SupportCategory.choices, blank=True
    )
    estimated_cost = models.BigIntegerField(_("estimated cost"), default=0)
    support_percent = models.PositiveSmallIntegerField(_("state support (%)"), default=0)
    support_amount = models.BigIntegerField(_("state support"), default=0)
    decision_number = NormalizedCharField(_("decision number"), max_length=50, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    start_on = models.DateField(_("treatment started on"), null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"), null=True, blank=True
    )
    end_due_on = models.DateField(_("treatment ends on"), null=True, blank=True)
    finished_on = models.DateField(_("treatment finished on"), null=True, blank=True)
    dropped_on = models.DateField(_("dropped out on"), null=True, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("voluntary rehab case")
        verbose_name_plural = _("voluntary rehab cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__gte=0)
                & Q(support_amount__gte=0)
                & Q(support_amount__lte=models.F("estimated_cost")),
                name="voluntary_support_within_cost",
            ),
        ]

    @transition(field="state", source=V.DRAFT, target=V.REGISTERED)
    def register(self, data: dict) -> None:
        self.registered_on = data["registered_on"]

    @transition(field="state", source=V.REGISTERED, target=V.APPROVED)
    def approve(self, data: dict) -> None:
        self.decision_number = data["decision_number"]
        self.decision_date = data["decision_date"]

    @transition(field="state", source=V.REGISTERED, target=V.REFUSED)
    def refuse(self, data: dict) -> None:
        pass

    @transition(field="state", source=V.APPROVED, target=V.IN_TREATMENT)
    def start(self, data: dict) -> None:
        self.start_on = data["start_on"]
        self.duration_months = data["duration_months"]

    @transition(field="state", source=V.IN_TREATMENT, target=V.POST_REHAB)
    def finish(self, data: dict) -> None:
        self.finished_on = data["finished_on"]
        self.post_rehab_from = data["finished_on"]

    @transition(field="state", source=V.IN_TREATMENT, target=V.DROPPED_OUT)
    def drop_out(self, data: dict) -> None:
        self.dropped_on = data["dropped_on"]

    @transition(field="state", source=V.POST_REHAB, target=V.CLOSED)
    def complete(self, data: dict) -> None:
        self.certificate_number = data["certificate_number"]
        self.completed_on = data["completed_on"]

    @transition(field="state", source=V.POST_REHAB, target=V.RELAPSED)
    def relapse(self, data: dict) -> None:
        self.relapse_on = data["relapse_on"]

    @transition(field="state", source=[V.DRAFT, V.REGISTERED], target=V.WITHDRAWN)
    def withdraw(self, data: dict) -> None:
        pass


class CheckinResult(models.TextChoices):
    STABLE = "stable", _("Stable, no drug use")
    POSITIVE = "positive", _("Positive test")
    ABSENT = "absent", _("Did not report")
    MOVED = "moved", _("Moved away")


class PostRehabCheckin(models.Model):
    """A periodic check-in during post-rehab management, recorded by the commune."""

    case = models.ForeignKey(RehabCase, on_delete=models.PROTECT, related_name="checkins")
    checked_on = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=10, choices=CheckinResult.choices)
    note = NormalizedCharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("post-rehab check-in")
        verbose_name_plural = _("post-rehab check-ins")
        ordering = ["checked_on", "id"]

    def __str__(self) -> str:
        return f"{vn_date(self.checked_on)}: {self.get_result_display()}"


class RehabSupportRate(models.Model):
    """The share of voluntary-rehab costs the state pays for a category, from a date."""

    category = models.CharField(_("category"), max_length=20, choices=SupportCategory.choices[1:])
    percent = models.PositiveSmallIntegerField(_("state pays (%)"))
    effective_from = models.DateField(_("effective from"))
    legal_basis = NormalizedCharField(_("legal basis"), max_length=200, blank=True)

    class Meta:
        app_label = APP_LABEL
        verbose_name = _("voluntary-rehab cost support rate")
        verbose_name_plural = _("voluntary-rehab cost support rates")
        ordering = ["category", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "effective_from"], name="rehab_support_rate_unique"
            ),
            models.CheckConstraint(
                condition=Q(percent__lte=100), name="rehab_support_rate_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.percent}% ({vn_date(self.effective_from)})"
