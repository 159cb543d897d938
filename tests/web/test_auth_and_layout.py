"""Login, logout, the top bar, languages and who may see the UI at all."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


def test_login_page_is_in_vietnamese_by_default(db):
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()


def test_anonymous_user_is_sent_to_the_login_page(db):
    response = Client().get(reverse("case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_leads_to_my_tasks_with_name_and_role_in_the_top_bar(users):
    client = Client()
    response = client.post(
        reverse("login"), {"username": "officer_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("inbox")
    html = response.content.decode()
    assert "Việc của tôi" in html
    assert "officer_a Thử" not in html  # family name first, Vietnamese order
    assert "Thử officer_a" in html
    assert "Cán bộ LĐTBXH xã (Phù Lỗ)" in html


def test_wrong_password_shows_a_vietnamese_error(users):
    response = Client().post(reverse("login"), {"username": "officer_a", "password": "nope"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_logout_is_a_post_and_returns_to_login(users, client_for):
    client = client_for(users.officer)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("inbox")).status_code == 302


def test_the_configuration_admin_is_sent_to_their_landing_page(users, client_for):
    client = client_for(users.admin)
    for name in ("home", "inbox", "queue", "case_list", "case_create", "person_create"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == reverse("admin_home")


def test_user_without_any_role_gets_403(communes, client_for, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="pw-Test-123")
    client = client_for(nobody)
    for name in ("inbox", "queue", "case_list", "case_create", "person_create"):
        response = client.get(reverse(name))
        assert response.status_code == 403, name
        assert "không có vai trò" in response.content.decode()


def test_language_switch_to_english_and_back(users, client_for):
    client = client_for(users.officer)
    client.post(reverse("set_language"), {"language": "en", "next": reverse("case_list")})
    html = client.get(reverse("case_list")).content.decode()
    assert "Cases" in html and "All communes" in html
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("case_list")})
    html = client.get(reverse("case_list")).content.decode()
    assert "Hồ sơ" in html and "Tất cả xã" in html


def test_viewflow_own_process_views_are_not_exposed(users, client_for):
    client = client_for(users.specialist)
    for path in ("/workflow/", "/workflow/housing/", "/flows/", "/viewflow/"):
        assert client.get(path).status_code == 404, path


def test_the_auditor_starts_on_the_case_list_without_task_menus(users, client_for):
    client = client_for(users.auditor)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("case_list")
    page = client.get(reverse("case_list")).content.decode()
    assert reverse("queue") not in page
    officer_page = client_for(users.officer).get(reverse("case_list")).content.decode()
    assert reverse("queue") in officer_page
