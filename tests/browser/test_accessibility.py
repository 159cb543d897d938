"""Every role's main pages pass axe-core in Chromium with no serious or critical
violation: the task lists and queues, case lists and a case with its transition
forms, the person form, gift campaigns, lists and the import page, the rehab
pages for the rehab roles, the audit explorer, notifications, the dashboard and
report, and the administrator's security pages.

axe-core comes from the npm registry (package.json, installed by `make`). The
pages forbid inline scripts (Content-Security-Policy), so its source is not
added as a <script> tag but evaluated through the DevTools protocol, which the
policy does not govern; each session still checks at logout that the browser
refused nothing. One browser, one signed-in page per role, many pages per test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.urls import reverse

from cases.gifts import services as gifts
from cases.gifts.models import GiftList
from cases.housing.models import HousingCase, HousingState
from tests.browser.session import BrowserSession
from tests.conftest import PASSWORD, steps, totp_code, totp_device
from tests.gifts.ui_helpers import advance, make_campaign, make_poor_people
from tests.rehab.helpers import referral_filed_today
from workflows import engine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# The rules of WCAG 2.0, 2.1 and 2.2 (A and AA) and axe's best practices; what
# fails the test is a violation of impact serious or critical.
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (rules) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: rules}, resultTypes: ["violations"],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
    why: v.nodes.slice(0, 1).flatMap(n => [...n.any, ...n.all, ...n.none]).map(c => c.message),
  }));
}"""


def axe_source() -> str:
    if not AXE.exists():
        # Never skipped: `make` installs it (npm ci) before the suite runs.
        pytest.fail(f"axe-core is missing at {AXE}: run `make venv` (npm ci)")
    return AXE.read_text(encoding="utf-8")


class AxeSession(BrowserSession):
    """A signed-in person whose every page is checked by axe-core."""

    shot_prefix = "a11y"

    def __init__(self, browser: Any, base_url: str) -> None:
        super().__init__(browser, base_url)
        self.source = axe_source()
        self.problems: list[str] = []
        self.lesser: list[str] = []

    def sign_in(self, username: str, *, audit_login: bool) -> None:
        """The password (and the second factor for the roles that need one),
        typed and sent with Enter; with `audit_login`, those pages are checked too."""
        from django.contrib.auth import get_user_model

        from cases.accounts.second_factor import requires_second_factor

        user = get_user_model().objects.get(username=username)
        # The authenticator is set up before the password is sent (else the
        # site would ask to enrol one).
        device = totp_device(user) if requires_second_factor(user) else None
        page = self.page
        self.check(url("login"), audit=audit_login)
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        if device is not None:
            page.wait_for_url(re.compile(r"/account/second-factor/"))
            if audit_login:
                self.audit()
            page.fill("#id_code", totp_code(device))
            with page.expect_navigation():
                page.press("#id_code", "Enter")
        assert "/login/" not in page.url and "/second-factor/" not in page.url, page.url

    def check(self, path: str, *, audit: bool = True) -> None:
        """Open `path` and note what axe-core finds there."""
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None and response.status == 200, (path, response)
        # The page asked for, not one it sends the role to instead (the landing aside).
        assert path == "/" or urlparse(self.page.url).path == path, (path, self.page.url)
        if audit:
            self.audit()

    def audit(self) -> None:
        """axe-core on the page as it is now (once per page, its source first)."""
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        where = page.url.removeprefix(self.base)
        # Screen readers read the page with Vietnamese voices.
        assert page.evaluate("() => document.documentElement.lang") == "vi", where
        for v in page.evaluate(RUN_AXE, RULES):
            targets = "; ".join(v["targets"][:5])
            why = " ".join(v["why"])[:240]
            found = f"{where} [{v['impact']}] {v['id']}: {v['help']} -> {targets} ({why})"
            (self.problems if v["impact"] in BLOCKING else self.lesser).append(found)

    def assert_clean(self) -> None:
        """No serious or critical violation on any page seen; then log out
        (which checks that the policy refused nothing, axe-core included)."""
        # Shown with the test's output: what is left to polish.
        print("axe-core, moderate and minor:", *self.lesser, sep="\n")
        assert self.problems == [], "axe-core found:\n" + "\n".join(self.problems)
        self.logout()


@pytest.fixture
def axe_as(browser: Any, live_server: Any) -> Callable[..., AxeSession]:
    def signed_in(username: str, *, audit_login: bool = False) -> AxeSession:
        session = AxeSession(browser, live_server.url)
        session.sign_in(username, audit_login=audit_login)
        return session

    return signed_in


def moved_to(case: HousingCase, state: str, users: SimpleNamespace) -> HousingCase:
    """The case moved on along the happy path (through the engine, by the
    right users) until it is in `state`: one case serves every role in turn."""
    path = steps(users)
    done = 0 if case.state == HousingState.DRAFT else [t for t, *_ in path].index(case.state) + 1
    for _target, name, actor, data in path[done:]:
        if case.state == state:
            break
        engine.transition(case, name, actor=actor, data=data(case))
        case = HousingCase.objects.get(pk=case.pk)
    assert case.state == state
    return case


@pytest.fixture
def gift_lists(users: SimpleNamespace, communes: SimpleNamespace) -> SimpleNamespace:
    """A campaign with a draft list in commune a and a confirmed one in commune b."""
    made = make_campaign()
    make_poor_people(communes.a, 3)
    make_poor_people(communes.b, 3)
    draft = gifts.gift_list_open(actor=users.officer, campaign=made.campaign, commune=communes.a)
    gifts.gift_list_build(actor=users.officer, gift_list=draft)
    other = gifts.gift_list_open(actor=users.officer_b, campaign=made.campaign, commune=communes.b)
    gifts.gift_list_build(actor=users.officer_b, gift_list=other)
    commune_b = SimpleNamespace(
        **{**vars(users), "officer": users.officer_b, "leader": users.leader_b}
    )
    confirmed = advance(GiftList.objects.get(pk=other.pk), commune_b, "confirmed")
    return SimpleNamespace(campaign=made.campaign, draft=draft, confirmed=confirmed)


@pytest.fixture
def rehab_case(communes: SimpleNamespace, rehab_users: SimpleNamespace) -> Any:
    """A referral in commune a, opened today by the head of commune police."""
    return referral_filed_today(communes.a, rehab_users.police)


def url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def everyones_pages() -> list[str]:
    """What every role of the general processes reaches from the menu."""
    return [
        url("dashboard"),
        url("case_list"),
        url("person_list"),
        url("notification_list"),
        url("notification_preferences"),
        url("audit_explorer"),
        url("process_diagram", "housing"),
        url("onestop_kpi"),
        url("campaign_list"),
        url("export_jobs"),
        url("password_change"),
    ]


def test_commune_pages_pass_axe(
    axe_as: Any, make_case: Any, users: SimpleNamespace, gift_lists: SimpleNamespace
) -> None:
    case = make_case(HousingState.DRAFT)

    officer = axe_as("officer_a", audit_login=True)
    for path in [
        url("inbox"),
        url("queue"),
        *everyones_pages(),
        url("case_create"),
        url("case_detail", case.pk),
        url("case_edit", case.pk),
        url("person_create"),
        url("campaign_detail", gift_lists.campaign.pk),
        url("gift_list_detail", gift_lists.draft.pk),
        url("gift_list_import", gift_lists.draft.pk),
        url("audit_case", case.pk),
    ]:
        officer.check(path)
    # A form sent empty comes back with its errors: they too are read out.
    officer.check(url("person_create"), audit=False)
    with officer.page.expect_navigation():
        officer.page.press("#id_full_name", "Enter")
    officer.audit()
    officer.assert_clean()

    moved_to(case, HousingState.SUBMITTED, users)
    leader = axe_as("leader_a")
    for path in [url("inbox"), url("queue"), url("case_detail", case.pk)]:
        leader.check(path)
    leader.assert_clean()

    leader_b = axe_as("leader_b")
    leader_b.check(url("gift_list_detail", gift_lists.confirmed.pk))
    leader_b.assert_clean()


def test_district_pages_pass_axe(
    axe_as: Any,
    make_case: Any,
    users: SimpleNamespace,
    gift_lists: SimpleNamespace,
    rehab_case: Any,
) -> None:
    case = make_case(HousingState.COMMUNE_VERIFIED)
    for username, acts_in in [
        ("specialist", HousingState.COMMUNE_VERIFIED),
        ("head", HousingState.DISTRICT_REVIEWED),
        ("accountant", HousingState.APPROVED),
    ]:
        case = moved_to(case, acts_in, users)
        s = axe_as(username, audit_login=username == "head")
        pages = [
            url("inbox"),
            url("queue"),
            url("case_detail", case.pk),
            url("campaign_detail", gift_lists.campaign.pk),
            url("gift_list_detail", gift_lists.confirmed.pk),
        ]
        if username != "accountant":  # the report is the district office's
            pages.append(url("report_six_month"))
        for path in pages:
            s.check(path)
        s.assert_clean()

    auditor = axe_as("auditor")
    for path in [
        *everyones_pages(),
        url("case_detail", case.pk),
        url("audit_case", case.pk),
        url("audit_user", "officer_a"),
        url("audit_verify"),
        url("report_six_month"),
        url("rehab_read_log"),
        url("rehab_case_reads", rehab_case.pk),
    ]:
        auditor.check(path)
    auditor.assert_clean()


def test_rehab_pages_pass_axe(axe_as: Any, rehab_users: SimpleNamespace, rehab_case: Any) -> None:
    for username, own_page in [
        ("police_a", "rehab_referral_create"),
        ("rehab_a", "rehab_voluntary_create"),
        ("district_rehab", "rehab_read_log"),
    ]:
        s = axe_as(username)
        for path in [url("inbox"), url("rehab_list"), url("audit_explorer"), url(own_page)]:
            s.check(path)
        # The record opens once the reader says why: the prompt, then the record.
        s.check(url("rehab_detail", rehab_case.pk))
        s.page.locator("input[name=purpose][value=handling]").check()
        with s.page.expect_navigation():
            s.page.locator("[data-testid=purpose-form] button[type=submit]").click()
        assert s.page.locator("[data-testid=read-logged]").count() == 1
        s.audit()
        s.assert_clean()


def test_administrator_pages_pass_axe(axe_as: Any, users: SimpleNamespace) -> None:
    s = axe_as("admin_user", audit_login=True)
    for path in [
        url("home"),
        url("security_lockouts"),
        url("security_accounts"),
        url("password_change"),
    ]:
        s.check(path)
    s.assert_clean()
