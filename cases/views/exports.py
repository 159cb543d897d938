"""The requester's background exports: the list, one job's progress page (a
static script polls its status), the status as JSON and the download. Every
read goes through `export_job_get`: another user's job, or one the user may no
longer read, is 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views import View

from cases.exports.http import download, web_job_status
from cases.exports.selectors import export_job_get, export_jobs_for_user
from cases.views.base import CaseflowMixin, CaseflowView, paginate


class ExportJobListView(CaseflowView):
    template_name = "exports/job_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page"] = paginate(self.request, export_jobs_for_user(self.request.user))
        return context


class ExportJobView(CaseflowView):
    """The progress bar, then the download link (static/js/export_job.js)."""

    template_name = "exports/job.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job = export_job_get(self.request.user, self.kwargs["pk"])
        context.update(job=job, urls=web_job_status(job))
        return context


class ExportJobStatusView(CaseflowMixin, View):
    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        job = export_job_get(request.user, pk)
        response = JsonResponse(web_job_status(job))
        response["Cache-Control"] = "no-store"
        return response


class ExportJobDownloadView(CaseflowMixin, View):
    rerender_on_error = False

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return download(export_job_get(request.user, pk))
