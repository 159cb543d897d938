"""REST API routes, mounted at /api/v1/ by config.urls."""

from django.urls import path, re_path

from cases import api, api_audit, api_exports
from cases.accounts import urls as accounts_urls
from cases.allowances import urls as allowances_urls
from cases.gifts import urls as gifts_urls
from cases.housing import urls as housing_urls
from cases.rehab import urls as rehab_urls
from cases.reporting import urls as reporting_urls

urlpatterns = [
    *accounts_urls.api_urlpatterns,  # auth/token/, auth/logout/, auth/logout-all/
    path("communes/", api.CommuneListView.as_view(), name="api-communes"),
    path("people/", api.PersonListView.as_view(), name="api-people"),
    path("people/<int:pk>/", api.PersonDetailView.as_view(), name="api-person"),
    path("one-stop/kpi/", api.OneStopKpiView.as_view(), name="api-onestop-kpi"),
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/claim/", api.TaskClaimView.as_view(), name="api-task-claim"),
    path("audit/events/", api_audit.AuditEventListView.as_view(), name="api-audit-events"),
    path("audit/events/export/", api_audit.AuditExportView.as_view(), name="api-audit-export"),
    path("audit/verify/", api_audit.AuditVerifyView.as_view(), name="api-audit-verify"),
    path("exports/<int:pk>/", api_exports.ExportJobView.as_view(), name="api-export-job"),
    path(
        "exports/<int:pk>/download/",
        api_exports.ExportJobDownloadView.as_view(),
        name="api-export-job-download",
    ),
    *housing_urls.api_urlpatterns,
    *gifts_urls.api_urlpatterns,
    *rehab_urls.api_urlpatterns,
    *allowances_urls.api_urlpatterns,
    *reporting_urls.api_urlpatterns,
    # Last: any other path ending in "/" is a JSON 404. Paths without the slash
    # still get CommonMiddleware's redirect to the slashed form first.
    re_path(r"^(?:.*/)?$", api.api_not_found, name="api-not-found"),
]
