"""The process picture and the notification bell."""

from __future__ import annotations

from django.urls import reverse

from cases.housing.models import HousingState
from notifications.models import Notification


def test_process_page_draws_every_state_and_lists_every_transition(users, client_for):
    response = client_for(users.auditor).get(reverse("process_diagram", args=["housing"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    for state in HousingState.values:
        assert f'data-state="{state}"' in html
    for label in ("Nộp hồ sơ", "Phê duyệt", "Ghi nhận chi trả", "Trả lại để bổ sung", "Rút hồ sơ"):
        assert label in html
    # Coordinates are never localized (no decimal commas in the SVG).
    assert 'y="142,0"' not in html and ',5"' not in html


def test_unknown_process_is_404(users, client_for):
    assert client_for(users.auditor).get("/processes/nope/").status_code == 404


def test_case_page_highlights_the_current_state(make_case, users, client_for):
    case = make_case(HousingState.COMMUNE_VERIFIED)
    html = client_for(users.specialist).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'class="state state-commune_verified visited current"' in html
    assert 'class="state state-draft visited"' in html
    assert 'class="state state-approved"' in html


def test_bell_counts_unread_notifications_and_mark_read_clears_it(make_case, users, client_for):
    case = make_case(HousingState.SUBMITTED)  # the submit notified the commune leader
    client = client_for(users.leader)
    unread = Notification.objects.filter(recipient=users.leader, read_at__isnull=True)
    assert unread.count() == 1
    html = client.get(reverse("inbox")).content.decode()
    assert 'data-testid="unread-count">1<' in html
    page = client.get(reverse("notification_list")).content.decode()
    assert case.reference in page
    note = unread.get()
    response = client.post(reverse("notification_read", args=[note.pk]), {"open": "1"})
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert not unread.exists()
    assert 'data-testid="unread-count"' not in client.get(reverse("inbox")).content.decode()


def test_user_cannot_mark_someone_elses_notification(make_case, users, client_for):
    make_case(HousingState.SUBMITTED)
    note = Notification.objects.get(recipient=users.leader)
    response = client_for(users.officer).post(reverse("notification_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(make_case, users, client_for):
    make_case(HousingState.COMMUNE_VERIFIED)
    client = client_for(users.specialist)
    assert Notification.objects.filter(recipient=users.specialist, read_at=None).exists()
    client.post(reverse("notification_read_all"))
    assert not Notification.objects.filter(recipient=users.specialist, read_at=None).exists()
