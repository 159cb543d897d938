"""Duplicate protection of housing support: one open case per person and per
household, a household supported once per its program's period, and the
possible duplicates (same person, household or address) the district sees.

The checks (`refuse_open_case`, `refuse_earlier_support`) run when a draft is
created and when it is submitted; the database holds the first rule too
(`HousingCase.open_applicant` / `open_household` and their partial unique
constraints), and `holders` turns their violation in a race into the same
refusal. The flags are `Exists` subqueries of a list's own page query; the
frequency rules they need are read once, in one small query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from cases.housing.models import (
    ONE_OPEN_PER_HOUSEHOLD,
    ONE_OPEN_PER_PERSON,
    OPEN,
    SUPPORTED,
    HousingCase,
    HousingProgram,
    HousingState,
    HousingSupportRule,
)
from cases.models import Person
from workflows.actors import Reader
from workflows.formatting import vn_date
from workflows.permissions import can_view_case, scoped
from workflows.text import fold_text
from workflows.uniqueness import AlreadyHeld, OneActive

OPEN_CASE_EXISTS = "housing_open_case_exists"
ALREADY_SUPPORTED = "housing_already_supported"


# --- keys -------------------------------------------------------------------------


# Words a number follows when it names a village, hamlet, group, lane or street
# (thôn 1, tổ 5, ngõ 3) rather than a house: such a number does not make an
# address specific.
AREA_WORDS = frozenset(
    "thon xom to ap doi khu cum ban lang khom ngo ngach hem kiet duong pho tdp "
    "phuong quan huyen xa".split()
)


def address_key(text: str) -> str:
    """An address as compared: no case, no diacritics (đ -> d), punctuation and
    runs of spaces read as one space ("Số 12, thôn Đông" = "so 12 thon dong").
    Empty unless it names a house (a number not after thôn, tổ, ngõ …): in a
    village every household shares "Thôn Đông, xã Phù Lỗ", which says nothing
    about duplicates. Migration 0014 holds a copy of this rule."""
    bare = fold_text(text or "")
    words = "".join(c if c.isalnum() else " " for c in bare).split()
    specific = any(
        any(c.isdigit() for c in word) and (i == 0 or words[i - 1] not in AREA_WORDS)
        for i, word in enumerate(words)
    )
    return " ".join(words)[:255] if specific else ""


def applicant_address(person: Person) -> str:
    """The household's address when the person belongs to one, else their own."""
    household = person.household if person.household_id else None
    return household.address if household is not None else person.address


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- the checks at filing and submit ------------------------------------------


def open_case_of(
    *, applicant_id: int, household_id: int | None, exclude_pk: int | None = None
) -> tuple[HousingCase | None, str]:
    """The open case of the person, else of their household, and which of the
    two it is ("person" / "household"); (None, "") when there is none."""
    qs = HousingCase.objects.filter(state__in=OPEN).select_related("applicant")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    qs = qs.order_by("created_at", "id")
    mine = qs.filter(applicant_id=applicant_id).first()
    if mine is not None:
        return mine, "person"
    if household_id:
        theirs = qs.filter(
            Q(household_id=household_id) | Q(applicant__household_id=household_id)
        ).first()
        if theirs is not None:
            return theirs, "household"
    return None, ""


def _case_link(existing: HousingCase) -> tuple[str, str]:
    return (
        reverse("case_detail", args=[existing.pk]),
        _("Open case %(ref)s") % {"ref": existing.reference},
    )


def open_case_refusal(
    actor: Reader, existing: HousingCase | None, *, same: str, applicant: Person
) -> AlreadyHeld:
    """The refusal naming (and linking to) the open case, when the actor may see it."""
    if existing is None or not can_view_case(actor, existing):
        return AlreadyHeld(
            _(
                "This person or their household already has an open housing case in another "
                "commune. Only one may be open at a time."
            ),
            code=OPEN_CASE_EXISTS,
            existing_id=None,
        )
    values = {
        "name": applicant.full_name,
        "ref": existing.reference,
        "state": HousingState(existing.state).label,
        "holder": existing.applicant.full_name,
    }
    if same == "person":
        message = _(
            "%(name)s already has an open housing case: %(ref)s (%(state)s). Only one housing "
            "case per person may be open: continue that case, or end it first."
        )
    else:
        message = _(
            "The household of %(name)s already has an open housing case: %(ref)s (%(state)s, "
            "applicant %(holder)s). Only one housing case per household may be open: continue "
            "that case, or end it first."
        )
    return AlreadyHeld(
        message % values,
        code=OPEN_CASE_EXISTS,
        existing_id=existing.pk,
        link=_case_link(existing),
        extra={"existing_reference": existing.reference},
    )


def refuse_open_case(
    actor: Reader, *, applicant: Person, household_id: int | None, exclude_pk: int | None = None
) -> None:
    existing, same = open_case_of(
        applicant_id=applicant.pk, household_id=household_id, exclude_pk=exclude_pk
    )
    if existing is not None:
        raise open_case_refusal(actor, existing, same=same, applicant=applicant)


def holders(actor: Reader, *, applicant: Person, household_id: int | None) -> tuple[OneActive, ...]:
    """The two database rules of one open case, for `refuse_duplicates` around a write."""

    def refusal(same: str) -> Any:
        return lambda existing: open_case_refusal(actor, existing, same=same, applicant=applicant)

    def holder(field: str, value: int | None) -> Any:
        rows = HousingCase.objects.select_related("applicant")
        return lambda: rows.filter(**{field: value}).first() if value is not None else None

    return (
        OneActive(
            ONE_OPEN_PER_PERSON, holder("open_applicant_id", applicant.pk), refusal("person")
        ),
        OneActive(
            ONE_OPEN_PER_HOUSEHOLD, holder("open_household_id", household_id), refusal("household")
        ),
    )


def earlier_support(
    *,
    applicant_id: int,
    household_id: int | None,
    program: str,
    on: dt.date,
    exclude_pk: int | None = None,
) -> tuple[HousingCase, HousingSupportRule] | None:
    """The latest case that supported this person or household under `program`
    within the period of the program's rule in force on `on` (None: none, or
    the program sets no rule)."""
    rule = HousingSupportRule.in_force(program, on)
    if rule is None:
        return None
    who = Q(applicant_id=applicant_id)
    if household_id:
        who |= Q(household_id=household_id) | Q(applicant__household_id=household_id)
    qs = HousingCase.objects.filter(who, program=program, state__in=SUPPORTED)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if rule.period_years:
        qs = qs.filter(decision_date__gt=years_before(on, rule.period_years))
    case = qs.order_by(F("decision_date").desc(nulls_last=True), "-id").first()
    return (case, rule) if case is not None else None


def refuse_earlier_support(
    actor: Reader,
    *,
    applicant_id: int,
    household_id: int | None,
    program: str,
    on: dt.date,
    exclude_pk: int | None = None,
) -> None:
    """Refuse support the person's household already had within the program's
    period (the person is read only to say who, when refusing)."""
    found = earlier_support(
        applicant_id=applicant_id,
        household_id=household_id,
        program=program,
        on=on,
        exclude_pk=exclude_pk,
    )
    if found is None:
        return
    existing, rule = found
    applicant = Person.objects.get(pk=applicant_id)
    if rule.period_years:
        limit = _(
            "Under this program a household is supported at most once every %(years)s years"
        ) % {"years": rule.period_years}
    else:
        limit = _("Under this program a household is supported once only")
    values = {
        "who": applicant.full_name
        if existing.applicant_id == applicant.pk
        else _("The household of %(name)s") % {"name": applicant.full_name},
        "program": HousingProgram(program).label,
        "limit": limit,
        "basis": rule.legal_basis,
    }
    if not can_view_case(actor, existing):
        raise AlreadyHeld(
            _(
                "%(who)s was already supported under “%(program)s” (in another commune). "
                "%(limit)s (%(basis)s)."
            )
            % values,
            code=ALREADY_SUPPORTED,
            existing_id=None,
        )
    values.update(
        ref=existing.reference,
        decision=existing.decision_number or "—",
        date=vn_date(existing.decision_date),
    )
    raise AlreadyHeld(
        _(
            "%(who)s was already supported under “%(program)s”: case %(ref)s, decision "
            "%(decision)s of %(date)s. %(limit)s (%(basis)s)."
        )
        % values,
        code=ALREADY_SUPPORTED,
        existing_id=existing.pk,
        link=_case_link(existing),
        extra={"existing_reference": existing.reference},
    )


# --- possible duplicates: flags for lists, the list on a case page ----------------


def support_cutoffs(today: dt.date) -> dict[str, dt.date | None]:
    """By program with a rule in force today: support decided after this date
    still counts (None: once-only, whenever it was). One small query."""
    cutoffs: dict[str, dt.date | None] = {}
    for rule in HousingSupportRule.objects.filter(effective_from__lte=today).order_by(
        "program", "-effective_from"
    ):
        if rule.program not in cutoffs:
            cutoffs[rule.program] = (
                years_before(today, rule.period_years) if rule.period_years else None
            )
    return cutoffs


def duplicate_candidates(user: Reader, today: dt.date) -> QuerySet[HousingCase]:
    """The user's housing cases another case may duplicate: open ones, and
    those that supported their household within the period of their
    program's rule in force today (once-only programs: whenever). The rules
    are read here (one query) so that the lists' SQL stays plain."""
    cutoffs = support_cutoffs(today)
    # Approved cases still open count as open; of the ended ones only closed
    # cases supported anyone. Once-only programs in one IN: a lighter plan.
    recent = Q(program__in=sorted(p for p, cutoff in cutoffs.items() if cutoff is None))
    for program, cutoff in cutoffs.items():
        if cutoff is not None:
            recent |= Q(program=program, decision_date__gt=cutoff)
    return scoped(HousingCase, user).filter(
        Q(state__in=OPEN) | (Q(state=HousingState.CLOSED) & recent)
    )


def duplicate_flags(user: Reader, today: dt.date, *, path: str = "") -> dict[str, Exists]:
    """`Exists` annotations flagging rows of cases that may duplicate another
    case of `duplicate_candidates`: dup_person, dup_household, dup_address
    (same normalised address in the same commune). `path` leads from the
    annotated row to its HousingCase ("housingcase__" for `Case` rows)."""
    others = duplicate_candidates(user, today).exclude(pk=OuterRef("pk"))
    return {
        "dup_person": Exists(others.filter(applicant_id=OuterRef("applicant_id"))),
        "dup_household": Exists(others.filter(household_id=OuterRef(f"{path}household_id"))),
        "dup_address": Exists(
            others.exclude(address_key="").filter(
                address_key=OuterRef(f"{path}address_key"), commune_id=OuterRef("commune_id")
            )
        ),
    }


DUPLICATE_LABELS = {
    "dup_person": lambda: _("same person"),
    "dup_household": lambda: _("same household"),
    "dup_address": lambda: _("same address"),
}


def duplicate_reasons(row: Any) -> list[str]:
    """The flags an annotated row carries, as people read them."""
    return [str(label()) for key, label in DUPLICATE_LABELS.items() if getattr(row, key, False)]


def flagged_case_ids(user: Reader, ids: list[int], today: dt.date) -> dict[int, list[str]]:
    """Of these housing case ids, those flagged as possible duplicates, with
    why (two queries: the rules, the flags; none without ids)."""
    if not ids:
        return {}
    flags = duplicate_flags(user, today)
    rows = (
        HousingCase.objects.filter(pk__in=ids)
        .annotate(**flags)
        .filter(Q(dup_person=True) | Q(dup_household=True) | Q(dup_address=True))
        .only("pk")
    )
    return {row.pk: duplicate_reasons(row) for row in rows}


def _still_counts(case: HousingCase, today: dt.date) -> bool:
    """An open case, or support its program's rule in force (annotated) still counts."""
    if case.state in OPEN:
        return True
    period = case.rule_period  # type: ignore[attr-defined]
    if not case.has_rule:  # type: ignore[attr-defined]
        return False
    return period is None or bool(
        case.decision_date and case.decision_date > years_before(today, period)
    )


def possible_duplicates(user: Reader, case: HousingCase, today: dt.date) -> list[dict[str, Any]]:
    """The cases the user may see that this one may duplicate (as
    `duplicate_candidates` reads them), each with why, in one query: the few
    rows of the same person, household or address carry their rule."""
    same = Q(applicant_id=case.applicant_id)
    if case.household_id:
        same |= Q(household_id=case.household_id)
    if case.address_key:
        same |= Q(address_key=case.address_key, commune_id=case.commune_id)
    rule = HousingSupportRule.objects.filter(
        program=OuterRef("program"), effective_from__lte=today
    ).order_by("-effective_from")
    rows = (
        scoped(HousingCase, user)
        .filter(same, state__in=[*OPEN, *SUPPORTED])
        .exclude(pk=case.pk)
        .annotate(has_rule=Exists(rule), rule_period=Subquery(rule.values("period_years")[:1]))
        .select_related("applicant", "commune")
        .order_by("-created_at", "-id")
    )
    out = []
    for other in rows:
        if not _still_counts(other, today):
            continue
        reasons = []
        if other.applicant_id == case.applicant_id:
            reasons.append(str(DUPLICATE_LABELS["dup_person"]()))
        if case.household_id and other.household_id == case.household_id:
            reasons.append(str(DUPLICATE_LABELS["dup_household"]()))
        if case.address_key and other.address_key == case.address_key:
            reasons.append(str(DUPLICATE_LABELS["dup_address"]()))
        out.append({"case": other, "reasons": reasons})
    return out
