"""A compulsory rehab referral on the 2025 route (TTLT 03/2025), from the
dossier to placement in a centre, clicked through in Chromium, in Vietnamese.

The head of commune police compiles the dossier, notifies the family, files
it with the court once the reading period is over and records the court's
decision; after the 5-working-day complaint window the commune's rehab officer
records the placement. The clock (time_machine, ticking) moves past the
reading period and the complaint window; every opening of the record asks for
a purpose and lands in the read log. Screenshots: /tmp/shots/rehab-*.png.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from cases.demo.base import PDF
from cases.rehab.models import ReferralState, RehabReferral
from tests.browser.session import BrowserSession
from tests.factories import national_id_for
from workflows.calendar import add_working_days
from workflows.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DOCUMENTS = ["mau_30", "mau_27", "ket_qua_nghien"]


class Session(BrowserSession):
    shot_prefix = "rehab"

    def act(self, action: str, **fields: str) -> None:
        form = self.page.locator(f"form[data-action='{action}']")
        if form.locator("xpath=ancestor::details").count():
            form.locator("xpath=ancestor::details/summary").click()
        for name, value in fields.items():
            field = form.locator(f"[name='{name}']")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.page.locator(".alert-error").count() == 0, self.page.inner_text("main")

    def give_purpose(self, purpose: str = "handling") -> None:
        """The sensitive-record prompt: say why, then the record opens."""
        form = self.page.locator("form[data-testid=purpose-form]")
        form.locator(f"input[name=purpose][value={purpose}]").check()
        with self.page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert self.page.locator("[data-testid=read-logged]").count() == 1

    def state(self) -> str:
        return self.page.inner_text("[data-testid=state]")


def _nine(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 9, tzinfo=VN)


def test_2025_referral_from_dossier_to_placement_in_the_browser(
    transactional_db, live_server, browser, users, rehab_users, communes, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    # The clock jumps weeks ahead below; a real session would have ended (8 hours).
    settings.SESSION_COOKIE_AGE = 90 * 24 * 3600
    pdf = tmp_path / "ho_so.pdf"
    pdf.write_bytes(PDF)
    # A Monday after today (the browser's own clock keeps the cookies valid).
    real_today = timezone.localdate()
    start = real_today + dt.timedelta(days=7 - real_today.weekday() + 7)
    with time_machine.travel(_nine(start), tick=True) as clock:
        s = Session(browser, live_server.url)
        page = s.page
        fmt = "%d/%m/%Y"

        # Head of commune police: a new referral; the version in force is shown.
        s.login("police_a")
        page.click("[data-testid=nav-rehab]")
        assert "TTLT 03/2025" in page.inner_text("[data-testid=version-in-force]")
        page.click("[data-testid=new-referral]")
        dob = dt.date(1992, 7, 15)
        nid = national_id_for(dob, "M")
        page.fill("#id_national_id", nid)
        page.fill("#id_full_name", "Phạm Văn Thắng")
        page.fill("#id_date_of_birth", dob.strftime(fmt))
        page.check("#id_sex_0")
        page.fill("#id_address", "Thôn Đông, xã Phù Lỗ")
        page.select_option("#id_ground", "voluntary_dropout")
        page.fill("#id_violation_record_number", "12/BB-CA")
        s.shot("police-new-referral")
        with page.expect_navigation():
            page.click("form[data-testid=rehab-create] button[type=submit]")
        case = RehabReferral.objects.get()
        assert case.route == "2025" and case.procedure_version.code == "2025"
        assert page.url.endswith(f"/rehab/{case.pk}/")
        assert "TTLT 03/2025" in page.inner_text("[data-testid=route]")
        assert page.locator("text=✗ Thiếu").count() == 5  # three required, two optional
        for kind in DOCUMENTS:  # one file on each document's row, sent together
            page.set_input_files(f"#id_upload_file_{kind}", str(pdf))
        with page.expect_navigation():
            page.click("form[data-testid=upload-form] button[type=submit]")
        assert page.locator("text=✓ Đã có").count() == 3
        s.act("notify", notified_on=start.strftime(fmt), pending_management="family")
        case.refresh_from_db()
        assert case.state == ReferralState.NOTIFIED
        assert case.reading_until == add_working_days(start, 5)
        s.shot("police-notified")

        # Straight to the court: refused while the family may read the dossier.
        form = page.locator("form[data-action=file_with_court]")
        form.locator("[name=court_name]").fill("Tòa án nhân dân huyện Sóc Sơn")
        form.locator("[name=filed_on]").fill(start.strftime(fmt))
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        assert "đọc hồ sơ" in page.inner_text("form[data-action=file_with_court]")
        s.shot("police-too-early")

        # After the reading period: the record asks for the purpose again.
        filed = add_working_days(case.reading_until, 1)
        clock.move_to(_nine(filed))
        page.goto(f"{live_server.url}/rehab/{case.pk}/")
        s.give_purpose()
        s.act(
            "file_with_court",
            court_name="Tòa án nhân dân huyện Sóc Sơn",
            filed_on=filed.strftime(fmt),
        )
        s.act(
            "record_decision",
            decision_number="45/2027/QĐ-TA",
            decision_date=filed.strftime(fmt),
            duration_months="18",
            centre_name="Cơ sở cai nghiện ma túy số 1 Hà Nội",
        )
        case.refresh_from_db()
        assert case.state == ReferralState.DECIDED
        assert case.complaint_until == add_working_days(filed, 5)
        s.shot("police-decision")
        s.logout()

        # After the complaint window, the commune rehab officer records the placement.
        placed = add_working_days(case.complaint_until, 1)
        clock.move_to(_nine(placed))
        s.login("rehab_a")
        page.click("[data-testid=nav-rehab]")
        assert nid not in page.inner_text("[data-testid=rehab-cases]")  # masked in lists
        page.click(f"text={case.reference}")
        s.give_purpose("supervision")
        s.act("place", placed_on=placed.strftime(fmt))
        case.refresh_from_db()
        assert case.state == ReferralState.IN_TREATMENT
        assert case.placed_on == placed
        assert page.inner_text("[data-testid=release-due]") == case.release_due_on.strftime(fmt)
        assert "Đã đưa vào cơ sở" in s.state() or "cai nghiện" in s.state().lower()
        s.shot("rehab-placed")
        s.logout()

        # A commune officer (not a rehab role) finds nothing.
        s.login("officer_a")
        assert page.locator("[data-testid=nav-rehab]").count() == 0
        response = page.goto(f"{live_server.url}/rehab/{case.pk}/")
        assert response is not None and response.status == 404
        s.logout()

    reads = AuditEvent.objects.filter(case_id=case.pk, event="read")
    assert {e.actor_username for e in reads} == {"police_a", "rehab_a"}
    assert {e.data["purpose"] for e in reads} >= {"handling", "supervision"}
