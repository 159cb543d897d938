"""Web UI URLs. viewflow's own viewsets are deliberately not mounted: their
process list and detail views are not commune-scoped."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tasks/", views.TaskListView.as_view(scope="inbox"), name="inbox"),
    path("tasks/queue/", views.TaskListView.as_view(scope="queue"), name="queue"),
    path("tasks/<int:pk>/claim/", views.TaskActionView.as_view(action="claim"), name="task_claim"),
    path(
        "tasks/<int:pk>/release/",
        views.TaskActionView.as_view(action="release"),
        name="task_release",
    ),
    path("cases/", views.CaseListView.as_view(), name="case_list"),
    path("cases/new/", views.HousingCaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", views.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", views.HousingCaseEditView.as_view(), name="case_edit"),
    path(
        "cases/<int:pk>/transitions/<slug:name>/",
        views.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path(
        "cases/<int:pk>/documents/",
        views.CaseDocumentUploadView.as_view(),
        name="case_document_upload",
    ),
    path(
        "cases/<int:pk>/documents/<int:doc_pk>/",
        views.CaseDocumentDownloadView.as_view(),
        name="case_document_download",
    ),
    path("cases/<int:pk>/apology/", views.CaseApologyView.as_view(), name="case_apology"),
    path("one-stop/", views.OneStopKpiView.as_view(), name="onestop_kpi"),
    path("people/new/", views.PersonCreateView.as_view(), name="person_create"),
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
]
