"""The demo data: 26 Sóc Sơn units, every role, cases in several states, idempotent."""

from io import StringIO

from django.core.management import call_command

from cases.models import AdministrativeUnit, Case, HousingCap
from workflows.audit import verify
from workflows.permissions import scope_for


def test_seed_demo_loads_soc_son_every_role_and_is_idempotent(db, django_user_model):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "created" in out.getvalue()
    communes = AdministrativeUnit.objects.filter(level="commune")
    assert communes.count() == 26
    assert communes.get(code="00448").name == "Phù Lỗ"
    assert communes.get(code="00376").kind == "thi_tran"
    assert HousingCap.objects.count() == 6
    states = sorted(Case.objects.values_list("state", flat=True))
    assert states == ["commune_verified", "draft", "submitted"]
    officer = django_user_model.objects.get(username="canbo_phulo")
    assert scope_for(officer).commune_ids == {communes.get(code="00448").pk}
    assert scope_for(django_user_model.objects.get(username="thanhtra")).sees_all_communes
    assert verify().ok

    call_command("seed_demo", stdout=StringIO())
    assert Case.objects.count() == 3
    assert AdministrativeUnit.objects.filter(level="commune").count() == 26


def test_demo_logins_lists_every_demo_user(db):
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
    ]:
        assert username in text
    assert "Demo@2024" in text
