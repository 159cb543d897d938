"""The demo data: 26 Sóc Sơn units, every role, cases in several states, idempotent.

The demo is seeded once for the module (some two minutes) inside a transaction
that is rolled back at the end; each test's own writes are rolled back after it.
"""

from collections import Counter
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.demo.reorganization import EFFECTIVE as REORGANIZED
from cases.demo.report import H1_2024
from cases.housing.models import HousingCap
from cases.models import AdministrativeUnit, Case
from cases.reorganization.plan import open_work_models
from notifications.models import Notification
from tests.module_data import checked, written_once
from workflows.audit import verify
from workflows.models import ApologyLetter, OneStopRecord, TaskDeadline
from workflows.onestop import onestop_kpi
from workflows.permissions import scope_for
from workflows.reminders import reminders_sweep


@pytest.fixture(autouse=True)
def _no_allowance_replay(settings):
    """The allowances demo has its own tests (tests/allowances/test_demo_allowances.py)."""
    settings.DEMO_ALLOWANCE_COMMUNES = []


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """`seed_demo` run once on the empty database, and what it printed."""
    with written_once(django_db_blocker, DEMO_ALLOWANCE_COMMUNES=[]):
        out = StringIO()
        call_command("seed_demo", stdout=out)
        checked()
        yield SimpleNamespace(output=out.getvalue())


def test_seed_demo_loads_soc_son_every_role_and_is_idempotent(seeded, db, django_user_model):
    assert "created" in seeded.output
    # The 26 units of 2024, closed on 01/07/2025, and the 5 communes after them.
    communes = AdministrativeUnit.objects.filter(level="commune", valid_from=None)
    assert communes.count() == 26
    assert set(communes.values_list("valid_to", flat=True)) == {REORGANIZED}
    assert communes.get(code="00448").name == "Phù Lỗ"
    assert communes.get(code="00376").kind == "thi_tran"
    new = AdministrativeUnit.objects.filter(level="commune", valid_from=REORGANIZED)
    assert set(new.values_list("name", flat=True)) == {
        "Đa Phúc", "Kim Anh", "Nội Bài", "Sóc Sơn", "Trung Giã",
    }  # fmt: skip
    noi_bai = new.get(code="00433")
    assert HousingCap.objects.count() == 6
    # Without the 33 dossiers decided in H1 2024 for the six-month report (cases.demo_report).
    housing = Case.objects.filter(process="housing").exclude(
        housingcase__decision_date__range=H1_2024
    )
    assert Case.objects.filter(housingcase__decision_date__range=H1_2024).count() == 33
    states = Counter(housing.values_list("state", flat=True))
    assert states == {
        "closed": 7,
        "rejected": 1,
        "commune_verified": 2,
        "draft": 1,
        "submitted": 1,
    }
    # Phù Lỗ's officer serves Nội Bài now and reads Phù Lỗ's history.
    officer = django_user_model.objects.get(username="canbo_phulo")
    assert scope_for(officer).acting("commune_officer") == {noi_bai.pk}
    assert communes.get(code="00448").pk in scope_for(officer).commune_ids
    assert scope_for(django_user_model.objects.get(username="thanhtra")).sees_all_communes
    # The district's roles whose work passed to the communes ended with it.
    assert not scope_for(django_user_model.objects.get(username="truongphong")).has_any_role
    # No open work is left in a closed unit, whatever its process.
    for _spec, model, terminal in open_work_models():
        left = model._default_manager.filter(commune__valid_to__isnull=False)
        assert not left.exclude(state__in=terminal).exists(), model
    assert verify().ok

    cases = Case.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Case.objects.count() == cases
    assert housing.count() == 12
    assert AdministrativeUnit.objects.filter(level="commune").count() == 31


def test_demo_history_feeds_the_kpi_and_an_overdue_escalated_task(seeded, db, django_user_model):
    auditor = django_user_model.objects.get(username="thanhtra")
    today = timezone.localdate()
    records = OneStopRecord.objects.filter(result_on__isnull=False, counted=True).exclude(
        case__housingcase__decision_date__range=H1_2024  # the six-month report's dossiers
    )
    assert records.count() == 8
    # Results after 20 and 19 working days are late; the others within 17 are on time.
    assert sorted(r.is_late for r in records) == [False] * 6 + [True] * 2
    assert ApologyLetter.objects.count() == 1
    years = {r.result_on.year for r in records}
    resolved = sum(onestop_kpi(auditor, year=y).total.resolved for y in years)
    assert resolved == 8
    # The dossier waiting for Kim Anh's culture–society division is overdue,
    # and the sweep escalates it to the commune's leaders.
    overdue = TaskDeadline.objects.get(due_on__lt=today, task__status="NEW", process="housing")
    assert overdue.step == "review"
    assert overdue.task.owner_permission == "cases.role_commune_specialist"
    reminders_sweep()
    # (Kim Anh's own leader, and the leaders of the units it was formed from,
    # who serve it now.)
    escalated = Notification.objects.filter(event="escalation", case__process="housing")
    kim_anh = overdue.task.owner_permission_obj_pk
    leaders = {n.recipient for n in escalated}
    assert "lanhdao_kimanh" in {u.username for u in leaders}
    for leader in leaders:
        assert int(kim_anh) in scope_for(leader).acting("commune_leader")
    # The replayed history leaves nothing on today's bells or in the mailbox.
    assert not Notification.objects.filter(case__state__in=["closed", "rejected"]).exists()
    assert verify().ok


def test_demo_logins_lists_every_demo_user(seeded, db):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for username in [
        "canbo_phulo",
        "lanhdao_minhtri",
        "chuyenvien",
        "truongphong",
        "ketoan",
        "thanhtra",
        "quantri",
        # The new communes' staff, after the replayed reorganisation.
        "canbo_noibai",
        "chuyenvien_noibai",
        "chutich_noibai",
        "ketoan_kimanh",
    ]:
        assert username in text
    assert "Demo@2024" in text
    assert "00433 Nội Bài" in text
    assert "until 30/06/2025 (district abolished)" in text
