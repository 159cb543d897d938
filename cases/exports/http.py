"""HTTP answers shared by the pages and the API of the export jobs: the job's
status with its URLs, 202 for an API export sent to the background, and the
file download."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, JsonResponse
from django.urls import reverse

from cases.exports.models import ExportJob


def api_job_status(job: ExportJob) -> dict[str, Any]:
    urls = {"status_url": reverse("api-export-job", args=[job.pk])}
    if job.status == ExportJob.Status.DONE:
        urls["download_url"] = reverse("api-export-job-download", args=[job.pk])
    return job.as_status(**urls)


def web_job_status(job: ExportJob) -> dict[str, Any]:
    urls = {"status_url": reverse("export_job_status", args=[job.pk])}
    if job.status == ExportJob.Status.DONE:
        urls["download_url"] = reverse("export_job_download", args=[job.pk])
    return job.as_status(**urls)


def job_accepted(job: ExportJob) -> JsonResponse:
    """202 for an API caller: where to poll and, once done, download."""
    response = JsonResponse(api_job_status(job), status=202)
    response["Location"] = reverse("api-export-job", args=[job.pk])
    return response


def download(job: ExportJob) -> FileResponse:
    """The job's file; 404 until it is done (or if the file was purged)."""
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404()
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:
        raise Http404() from None
    return FileResponse(
        handle, as_attachment=True, filename=job.filename, content_type=job.content_type
    )
