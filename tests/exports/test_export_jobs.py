"""Background exports (issue 12, finding 6): past a size an export is queued,
built by the worker (`manage.py run_exports`), followed on a progress page
and downloaded by its requester only; a dead worker or a failing build ends in
a retry or a clear failure, never a job stuck forever; old files are purged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import docx
import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from cases.exports import kinds
from cases.exports.models import ExportJob
from cases.exports.services import (
    LeaseLost,
    export_job_claim,
    export_job_create,
    export_job_run,
    export_jobs_purge,
)
from cases.exports.worker import run_due
from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
from notifications.models import Notification
from tests.factories import PersonFactory
from workflows import audit

pytestmark = pytest.mark.django_db
S = ExportJob.Status


@pytest.fixture(autouse=True)
def small_thresholds(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EXPORT_INLINE_MAX_ROWS = 3
    settings.EXPORT_DOCUMENT_INLINE_MAX_ROWS = 2


def login(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(user)
    return client


def api_as(user: Any) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_authenticate(user)
    return client


def events(n: int, users: SimpleNamespace, communes: SimpleNamespace) -> list[Any]:
    return [
        audit.record(
            actor=users.officer,
            actor_role="commune_officer",
            commune_id=communes.a.pk,
            event="edit",
            reason=f"Sửa lần {i}",
        )
        for i in range(n)
    ]


def job_of(response: Any) -> ExportJob:
    assert response.status_code == 302, response.content[:300]
    pk = int(response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert response["Location"] == reverse("export_job", args=[pk])
    return ExportJob.objects.get(pk=pk)


def content(response: Any) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- the whole way: queued, built, notified, downloaded -------------------------------------


def test_a_large_audit_export_is_built_by_the_worker_and_downloaded_by_its_requester(
    users, communes
):
    made = events(6, users, communes)
    client = login(users.auditor)
    job = job_of(client.get(reverse("audit_export"), {"fmt": "xlsx"}))
    assert (job.requester, job.kind, job.fmt) == (users.auditor, "audit_events", "xlsx")
    assert job.status == S.QUEUED

    page = client.get(reverse("export_job", args=[job.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-status-url="{reverse("export_job_status", args=[job.pk])}"' in html
    assert "js/export_job.js" in html and "<script>" not in html  # no inline script
    assert client.get(reverse("export_job_status", args=[job.pk])).json()["status"] == "queued"
    assert client.get(reverse("export_job_download", args=[job.pk])).status_code == 404

    assert run_due(worker="test-worker") == 1

    status = client.get(reverse("export_job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["percent"] == 100
    assert status["rows_done"] == status["rows_total"] >= 6
    assert status["download_url"] == reverse("export_job_download", args=[job.pk])
    wb = openpyxl.load_workbook(io.BytesIO(content(client.get(status["download_url"]))))
    ids = {row[0] for row in wb.active.iter_rows(min_row=2, values_only=True)}
    assert {e.pk for e in made} <= ids
    note = Notification.objects.get(recipient=users.auditor, event="export_ready")
    assert note.url == reverse("export_job", args=[job.pk])
    assert note.email_status == Notification.EmailStatus.SKIPPED  # in-app only
    assert job.filename.endswith(".xlsx") is False  # not known when queued...
    job.refresh_from_db()
    assert job.filename.endswith(".xlsx") and job.filename in note.title  # ...named when built
    assert client.get(reverse("export_jobs")).status_code == 200


def test_the_api_answers_202_with_the_jobs_urls_past_the_threshold(users, communes):
    events(5, users, communes)
    api = api_as(users.auditor)
    response = api.get("/api/v1/audit/events/export/", {"format": "csv"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and response["Location"] == body["status_url"]
    assert api.get(body["status_url"]).json()["status"] == "queued"
    run_due(worker="test-worker")
    done = api.get(body["status_url"]).json()
    assert done["status"] == "done"
    text = content(api.get(done["download_url"])).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + done["rows_total"]


def test_small_exports_stay_a_plain_download(users, communes):
    events(1, users, communes)  # with the grant events: under the threshold of 3 for officer_b
    response = login(users.officer_b).get(reverse("audit_export"), {"fmt": "csv"})
    assert response.status_code == 200 and not ExportJob.objects.exists()


# --- who sees a job ----------------------------------------------------------------------


@pytest.fixture
def signature_job(users: SimpleNamespace, communes: SimpleNamespace) -> ExportJob:
    """Commune a's approved list of 4 rows: its signature list goes to the background."""
    campaign = Campaign.objects.create(
        code="tet-job", name="Tết 2024", year=2024, occasion_date=dt.date(2024, 2, 10)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="tp", name="Quà TP", source="city", amount=500_000
    )
    gift_list = GiftList.objects.create(
        campaign=campaign, commune=communes.a, created_by=users.officer, state="approved"
    )
    people: list[Any] = [
        PersonFactory(commune=communes.a, full_name=name)
        for name in ["An Văn Một", "Bùi Thị Hai\nxóm Ba", "Cao Văn Ba\x0b", "Đỗ Thị Bốn"]
    ]
    GiftRecipient.objects.bulk_create(
        GiftRecipient(
            gift_list=gift_list,
            package=package,
            commune=communes.a,
            person=person,
            amount=500_000,
            state="approved",
        )  # fmt: skip
        for person in people
    )
    response = login(users.officer).get(reverse("gift_list_signature_docx", args=[gift_list.pk]))
    return job_of(response)


def test_a_long_signature_list_docx_is_built_in_the_background_and_opens(users, signature_job):
    assert signature_job.commune_id is not None and signature_job.rows_total == 4
    run_due(worker="test-worker")
    signature_job.refresh_from_db()
    assert signature_job.status == S.DONE
    url = reverse("export_job_download", args=[signature_job.pk])
    body = content(login(users.officer).get(url))
    table = docx.Document(io.BytesIO(body)).tables[1]
    # The numbered rows, not the package's heading and subtotal.
    rows = [row for row in table.rows[1:-1] if row.cells[0].text.isdigit()]
    names = [row.cells[1].text for row in rows]
    # Names are stored on one line: the line break became a space, the control character went.
    assert names == ["An Văn Một", "Bùi Thị Hai xóm Ba", "Cao Văn Ba", "Đỗ Thị Bốn"]
    assert [row.cells[0].text for row in rows] == ["1", "2", "3", "4"]


def test_another_users_or_another_communes_job_is_not_found(users, signature_job):
    run_due(worker="test-worker")
    urls = [
        reverse(name, args=[signature_job.pk])
        for name in ("export_job", "export_job_status", "export_job_download")
    ]
    assert [login(users.officer).get(u).status_code for u in urls] == [200, 200, 200]
    for other in (users.officer_b, users.leader, users.auditor):
        assert [login(other).get(u).status_code for u in urls] == [404, 404, 404]
        api = api_as(other)
        assert api.get(reverse("api-export-job", args=[signature_job.pk])).status_code == 404
        assert (
            api.get(reverse("api-export-job-download", args=[signature_job.pk])).status_code == 404
        )
    assert Client().get(urls[0]).status_code == 302  # to the login page
    assert (
        reverse("export_job", args=[signature_job.pk])
        not in login(users.officer_b).get(reverse("export_jobs")).content.decode()
    )


def test_a_requester_moved_to_another_commune_no_longer_sees_the_lists_job(
    users, communes, signature_job
):
    from workflows.permissions import Role, forget_scope
    from workflows.services import role_grant, role_revoke

    officer = users.officer
    role_grant(actor=None, username=officer.username, role=Role.COMMUNE_OFFICER,
               commune_codes=[communes.b.code])  # fmt: skip
    role_revoke(actor=None, username=officer.username, role=Role.COMMUNE_OFFICER,
                commune_codes=[communes.a.code])  # fmt: skip
    forget_scope(officer)
    url = reverse("export_job_status", args=[signature_job.pk])
    assert login(officer).get(url).status_code == 404


# --- a job never stays unfinished --------------------------------------------------------


def _queue(users: SimpleNamespace, kind: str = "audit_events") -> ExportJob:
    return export_job_create(actor=users.auditor, kind=kind, fmt="csv", params={"filters": {}})


def test_a_job_whose_worker_died_is_taken_again_then_failed_with_a_message(users, settings):
    settings.EXPORT_JOB_MAX_ATTEMPTS = 2
    job = _queue(users)
    for attempt, worker in enumerate(["dead-1", "dead-2"], start=1):
        claimed = export_job_claim(worker=worker)
        assert claimed is not None and claimed.pk == job.pk and claimed.attempts == attempt
        assert export_job_claim(worker="other") is None  # leased: nobody else takes it
        # The worker is killed: its lease runs out.
        ExportJob.objects.filter(pk=job.pk).update(
            claimed_until=timezone.now() - dt.timedelta(seconds=1)
        )
    assert export_job_claim(worker="w3") is None
    job.refresh_from_db()
    assert job.status == S.FAILED and job.error_code == ExportJob.Error.WORKER_LOST
    note = Notification.objects.get(recipient=users.auditor, event="export_failed")
    assert note.body == "Bản xuất dừng nhiều lần trước khi xong. Hãy thu hẹp bộ lọc rồi thử lại."
    assert (
        login(users.auditor).get(reverse("export_job_status", args=[job.pk])).json()["error"]
        == note.body
    )


def _boom(job: ExportJob, out: IO[bytes], progress: kinds.Progress) -> kinds.Built:
    raise RuntimeError("disk full")


@pytest.fixture
def failing_kind() -> Any:
    kinds.register(kinds.ExportKind("test_boom", build=_boom, may_access=lambda u, j: True))
    yield "test_boom"
    kinds._kinds.pop("test_boom")


def test_a_failing_build_is_retried_later_then_failed(users, settings, failing_kind):
    settings.EXPORT_JOB_MAX_ATTEMPTS = 2
    job = _queue(users, failing_kind)
    export_job_run(export_job_claim(worker="w"), worker="w")
    job.refresh_from_db()
    assert job.status == S.QUEUED and job.not_before > timezone.now()
    assert "disk full" in job.error_detail
    assert export_job_claim(worker="w") is None  # not before its time
    ExportJob.objects.filter(pk=job.pk).update(not_before=timezone.now() - dt.timedelta(1))
    export_job_run(export_job_claim(worker="w"), worker="w")
    job.refresh_from_db()
    assert job.status == S.FAILED and job.error_code == ExportJob.Error.BUILD_FAILED
    with translation.override("vi"):
        assert job.error_message == "Không tạo được tệp. Hãy thử lại sau."


def test_a_job_no_worker_took_in_time_expires(users, settings):
    settings.EXPORT_JOB_EXPIRE_MINUTES = 60
    job = _queue(users)
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert export_job_claim(worker="w") is None
    job.refresh_from_db()
    assert job.status == S.FAILED and job.error_code == ExportJob.Error.EXPIRED


def test_progress_is_written_while_building_and_a_lost_lease_stops_the_build(users):
    seen: list[tuple[int, int | None]] = []

    def build(job: ExportJob, out: IO[bytes], progress: kinds.Progress) -> kinds.Built:
        progress.total(5)
        row = ExportJob.objects.get(pk=job.pk)
        seen.append((row.rows_done, row.rows_total))
        ExportJob.objects.filter(pk=job.pk).update(claimed_by="someone-else")
        progress.advance(5)  # done == total: written now, and the lease is found lost
        raise AssertionError("not reached")

    kinds.register(kinds.ExportKind("test_lease", build=build, may_access=lambda u, j: True))
    try:
        job = _queue(users, "test_lease")
        export_job_run(export_job_claim(worker="w"), worker="w")
    finally:
        kinds._kinds.pop("test_lease")
    job.refresh_from_db()
    assert seen == [(0, 5)]
    assert job.status == S.RUNNING and job.claimed_by == "someone-else" and not job.file
    with pytest.raises(LeaseLost):
        from cases.exports.services import _heartbeat

        _heartbeat(job, "w", 1, 5)


def test_old_jobs_and_their_files_are_purged(users, communes, settings):
    events(5, users, communes)
    job = _queue(users)
    run_due(worker="w")
    job.refresh_from_db()
    path = Path(job.file.path)
    assert job.status == S.DONE and path.exists()
    assert export_jobs_purge() == 0
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    call_command("run_exports", "--purge", stdout=io.StringIO())
    assert not ExportJob.objects.filter(pk=job.pk).exists() and not path.exists()


def test_the_worker_command_builds_what_is_due(users, communes):
    events(5, users, communes)
    job = _queue(users)
    out = io.StringIO()
    call_command("run_exports", "--once", stdout=out)
    job.refresh_from_db()
    assert "built 1 exports" in out.getvalue() and job.status == S.DONE
