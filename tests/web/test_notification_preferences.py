"""The notification preferences page: every user chooses, for themselves only,
whether and how often they are emailed and which events send an email."""

from __future__ import annotations

from django.urls import reverse

from cases.forms import NOTIFICATION_EVENTS
from cases.housing.models import HousingState
from notifications.delivery import deliver_due
from notifications.models import Notification, NotificationPreference
from notifications.services import notification_preference_set
from workflows.onestop import PROMPT_EVENT
from workflows.reminders import EVENTS as REMINDER_EVENTS

URL = "/notifications/preferences/"
ALL_EVENTS = [code for code, _label in NOTIFICATION_EVENTS]


def test_url_is_named_notification_preferences():
    assert reverse("notification_preferences") == URL


def test_every_event_the_system_produces_can_be_chosen():
    assert {
        "task_waiting",
        "case_finished",
        PROMPT_EVENT,
        *REMINDER_EVENTS.values(),
    } == set(ALL_EVENTS)


def test_page_without_saved_preferences_shows_the_defaults_in_vietnamese(users, client_for):
    response = client_for(users.leader).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Cài đặt thông báo" in html
    form = response.context["form"]
    assert form["email_enabled"].value() is True
    assert form["digest"].value() == "immediate"
    assert form["email_events"].value() == ALL_EVENTS
    for label in (
        "Có hồ sơ chờ tôi xử lý",
        "Nhắc việc: việc của tôi đã quá hạn xử lý",
        "Mỗi ngày một lần",
    ):
        assert label in html
    assert not NotificationPreference.objects.exists()  # looking saves nothing


def test_page_shows_the_saved_preferences(users, client_for):
    notification_preference_set(
        actor=users.leader,
        user=users.leader,
        email_enabled=False,
        digest="daily",
        muted_events=["case_finished", "escalation"],
    )

    form = client_for(users.leader).get(URL).context["form"]

    assert form["email_enabled"].value() is False
    assert form["digest"].value() == "daily"
    assert set(form["email_events"].value()) == set(ALL_EVENTS) - {"case_finished", "escalation"}


def test_saving_stores_the_choices_and_redirects_back_with_a_message(users, client_for):
    client = client_for(users.officer)
    kept = [e for e in ALL_EVENTS if e not in {"reminder_before", "case_finished"}]

    response = client.post(URL, {"digest": "daily", "email_events": kept}, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "Đã lưu cài đặt thông báo." in response.content.decode()
    pref = NotificationPreference.objects.get(user=users.officer)
    assert pref.email_enabled is False  # an unticked checkbox is not sent
    assert pref.digest == "daily"
    assert pref.muted_events == ["case_finished", "reminder_before"]


def test_muted_event_chosen_on_the_page_is_not_emailed_but_still_shown(
    make_case, users, client_for, mailoutbox
):
    users.leader.email = "leader@example.vn"
    users.leader.save(update_fields=["email"])
    kept = [e for e in ALL_EVENTS if e != "task_waiting"]
    client = client_for(users.leader)
    client.post(URL, {"email_enabled": "on", "digest": "immediate", "email_events": kept})

    make_case(HousingState.SUBMITTED)  # the submit notifies the commune leader
    deliver_due()

    note = Notification.objects.get(recipient=users.leader)
    assert (note.event, note.email_status) == ("task_waiting", "skipped")
    assert note.last_error == "event muted by the user"
    assert note.read_at is None  # the bell still shows it
    assert mailoutbox == []


def test_events_left_ticked_are_still_emailed(make_case, users, client_for, mailoutbox):
    users.leader.email = "leader@example.vn"
    users.leader.save(update_fields=["email"])
    kept = [e for e in ALL_EVENTS if e != "case_finished"]
    client_for(users.leader).post(
        URL, {"email_enabled": "on", "digest": "immediate", "email_events": kept}
    )

    make_case(HousingState.SUBMITTED)
    deliver_due()

    assert Notification.objects.get(recipient=users.leader).email_status == "sent"
    assert [m.to for m in mailoutbox] == [["leader@example.vn"]]


def test_unknown_event_is_refused_in_vietnamese_and_nothing_is_saved(users, client_for):
    response = client_for(users.officer).post(
        URL, {"email_enabled": "on", "digest": "daily", "email_events": ["task_waiting", "nope"]}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Sự kiện không hợp lệ: nope." in html
    assert "Một số thông tin chưa hợp lệ." in html
    assert not NotificationPreference.objects.exists()


def test_unknown_frequency_is_refused_and_nothing_is_saved(users, client_for):
    response = client_for(users.officer).post(URL, {"email_enabled": "on", "digest": "weekly"})

    assert response.status_code == 400
    assert not NotificationPreference.objects.exists()


def test_a_user_changes_only_their_own_preferences(users, client_for):
    notification_preference_set(actor=users.leader, user=users.leader, digest="immediate")

    client_for(users.officer).post(
        URL, {"user": users.leader.pk, "digest": "daily", "email_events": []}
    )

    leader = NotificationPreference.objects.get(user=users.leader)
    assert (leader.email_enabled, leader.digest, leader.muted_events) == (True, "immediate", [])
    officer = NotificationPreference.objects.get(user=users.officer)
    assert (officer.email_enabled, officer.digest, officer.muted_events) == (
        False,
        "daily",
        sorted(ALL_EVENTS),
    )


def test_events_muted_outside_the_page_are_kept_when_saving(users, client_for):
    notification_preference_set(actor=users.officer, user=users.officer, muted_events=["legacy"])

    client_for(users.officer).post(
        URL, {"email_enabled": "on", "digest": "immediate", "email_events": ALL_EVENTS}
    )

    assert NotificationPreference.objects.get(user=users.officer).muted_events == ["legacy"]


def test_notification_list_links_to_the_preferences_page(users, client_for):
    html = client_for(users.auditor).get(reverse("notification_list")).content.decode()
    assert f'href="{URL}"' in html


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
