"""Web UI URLs. viewflow's own viewsets are deliberately not mounted: their
process list and detail views are not commune-scoped."""

from django.urls import path

from cases import views
from cases.accounts import urls as accounts_urls
from cases.allowances import urls as allowances_urls
from cases.gifts import urls as gifts_urls
from cases.housing import urls as housing_urls
from cases.rehab import urls as rehab_urls
from cases.reorganization import urls as reorganization_urls
from cases.reporting import urls as reporting_urls
from cases.views import audit as audit_views
from cases.views import exports as export_views
from cases.views import people

urlpatterns = [
    path("", views.home, name="home"),
    # Login, logout, password, second factor, the administrator's security pages.
    *accounts_urls.urlpatterns,
    # The administrator's page of the reorganisation of units (01/07/2025).
    *reorganization_urls.urlpatterns,
    path("tasks/", views.TaskListView.as_view(scope="inbox"), name="inbox"),
    path("tasks/queue/", views.TaskListView.as_view(scope="queue"), name="queue"),
    path("tasks/<int:pk>/claim/", views.TaskActionView.as_view(action="claim"), name="task_claim"),
    path(
        "tasks/<int:pk>/release/",
        views.TaskActionView.as_view(action="release"),
        name="task_release",
    ),
    path("one-stop/", views.OneStopKpiView.as_view(), name="onestop_kpi"),
    path("audit/", audit_views.AuditExplorerView.as_view(), name="audit_explorer"),
    path("audit/export/", audit_views.AuditExportView.as_view(), name="audit_export"),
    path("audit/cases/<int:pk>/", audit_views.AuditCaseView.as_view(), name="audit_case"),
    path("audit/users/<str:username>/", audit_views.AuditUserView.as_view(), name="audit_user"),
    path("audit/verify/", audit_views.AuditVerifyView.as_view(), name="audit_verify"),
    path("exports/", export_views.ExportJobListView.as_view(), name="export_jobs"),
    path("exports/<int:pk>/", export_views.ExportJobView.as_view(), name="export_job"),
    path(
        "exports/<int:pk>/status/",
        export_views.ExportJobStatusView.as_view(),
        name="export_job_status",
    ),
    path(
        "exports/<int:pk>/download/",
        export_views.ExportJobDownloadView.as_view(),
        name="export_job_download",
    ),
    path("people/", people.PersonListView.as_view(), name="person_list"),
    path("people/new/", people.PersonCreateView.as_view(), name="person_create"),
    path("processes/<slug:code>/", views.ProcessDiagramView.as_view(), name="process_diagram"),
    path("notifications/", views.NotificationListView.as_view(), name="notification_list"),
    path(
        "notifications/read/",
        views.NotificationReadView.as_view(),
        name="notification_read_all",
    ),
    path(
        "notifications/<int:pk>/read/",
        views.NotificationReadView.as_view(),
        name="notification_read",
    ),
    path(
        "notifications/preferences/",
        views.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
    *housing_urls.urlpatterns,
    *reporting_urls.urlpatterns,
    *gifts_urls.urlpatterns,
    *allowances_urls.urlpatterns,
    *rehab_urls.urlpatterns,
]
