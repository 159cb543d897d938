"""Web UI URLs. viewflow's own viewsets are deliberately not mounted: their
process list and detail views are not commune-scoped."""

from django.contrib.auth import views as auth_views
from django.urls import path

from cases import views
from cases.views import audit as audit_views
from cases.views import dashboard as dashboard_views
from cases.views import gifts as gift_views
from cases.views import rehab as rehab_views
from cases.views import report as report_views

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
    # Six-month report (cases/views/report.py)
    path("reports/six-month/", report_views.SixMonthReportView.as_view(), name="report_six_month"),
    path(
        "reports/six-month.docx",
        report_views.SixMonthReportFileView.as_view(fmt="docx"),
        name="report_six_month_docx",
    ),
    path(
        "reports/six-month.xlsx",
        report_views.SixMonthReportFileView.as_view(fmt="xlsx"),
        name="report_six_month_xlsx",
    ),
    # Dashboard per role (cases/views/dashboard.py)
    path("dashboard/", dashboard_views.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/dashboard.xlsx",
        dashboard_views.DashboardXlsxView.as_view(),
        name="dashboard_xlsx",
    ),
    # Gift campaigns (cases/views/gifts.py)
    path("campaigns/", gift_views.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", gift_views.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/lists/",
        gift_views.CampaignListOpenView.as_view(),
        name="campaign_list_open",
    ),
    path(
        "campaigns/<int:pk>/approve-lists/",
        gift_views.CampaignListsTransitionView.as_view(),
        name="campaign_approve_lists",
    ),
    path(
        "campaigns/<int:pk>/review-lists/",
        gift_views.CampaignListsTransitionView.as_view(
            transition="review", from_state="confirmed", role="district_specialist"
        ),
        name="campaign_review_lists",
    ),
    path(
        "campaigns/<int:pk>/reconcile/",
        gift_views.CampaignReconcileView.as_view(),
        name="campaign_reconcile",
    ),
    path("gift-lists/<int:pk>/", gift_views.GiftListDetailView.as_view(), name="gift_list_detail"),
    path(
        "gift-lists/<int:pk>/transitions/<slug:name>/",
        gift_views.GiftListTransitionView.as_view(),
        name="gift_list_transition",
    ),
    path(
        "gift-lists/<int:pk>/build/", gift_views.GiftListBuildView.as_view(), name="gift_list_build"
    ),
    path(
        "gift-lists/<int:pk>/remove-rows/",
        gift_views.GiftListRemoveRowsView.as_view(),
        name="gift_list_remove_rows",
    ),
    path(
        "gift-lists/<int:pk>/deliveries/",
        gift_views.GiftListDeliverView.as_view(),
        name="gift_list_deliver",
    ),
    path(
        "gift-lists/<int:pk>/returns/",
        gift_views.GiftListReturnView.as_view(),
        name="gift_list_return",
    ),
    # Import of a commune gift list from .xlsx (cases/views/gift_import.py)
    path(
        "gift-lists/<int:pk>/import/template.xlsx",
        views.GiftListImportTemplateView.as_view(),
        name="gift_list_import_template",
    ),
    path(
        "gift-lists/<int:pk>/import/", views.GiftListImportView.as_view(), name="gift_list_import"
    ),
    # Gift campaign documents (cases/views/gift_documents.py)
    path(
        "gift-lists/<int:pk>/signature-list.xlsx",
        views.GiftListSignatureView.as_view(fmt="xlsx"),
        name="gift_list_signature_xlsx",
    ),
    path(
        "gift-lists/<int:pk>/signature-list.docx",
        views.GiftListSignatureView.as_view(fmt="docx"),
        name="gift_list_signature_docx",
    ),
    path(
        "campaigns/<int:pk>/reconciliation.xlsx",
        views.CampaignReconciliationView.as_view(fmt="xlsx"),
        name="campaign_reconciliation_xlsx",
    ),
    path(
        "campaigns/<int:pk>/reconciliation.docx",
        views.CampaignReconciliationView.as_view(fmt="docx"),
        name="campaign_reconciliation_docx",
    ),
    # Drug rehab (sensitive; cases/views/rehab.py): 404 for every non-rehab role
    path("rehab/", rehab_views.RehabListView.as_view(), name="rehab_list"),
    path(
        "rehab/referrals/new/",
        rehab_views.ReferralCreateView.as_view(),
        name="rehab_referral_create",
    ),
    path(
        "rehab/voluntary/new/",
        rehab_views.VoluntaryCreateView.as_view(),
        name="rehab_voluntary_create",
    ),
    path("rehab/export/", rehab_views.RehabExportView.as_view(), name="rehab_export"),
    path("rehab/reads/", rehab_views.RehabReadLogView.as_view(), name="rehab_read_log"),
    path("rehab/<int:pk>/", rehab_views.RehabDetailView.as_view(), name="rehab_detail"),
    path("rehab/<int:pk>/open/", rehab_views.RehabOpenView.as_view(), name="rehab_open"),
    path(
        "rehab/<int:pk>/transitions/<slug:name>/",
        rehab_views.RehabTransitionView.as_view(),
        name="rehab_transition",
    ),
    path(
        "rehab/<int:pk>/documents/",
        rehab_views.RehabDocumentUploadView.as_view(),
        name="rehab_document_upload",
    ),
    path(
        "rehab/<int:pk>/documents/<int:doc_pk>/",
        rehab_views.RehabDocumentDownloadView.as_view(),
        name="rehab_document_download",
    ),
    path("rehab/<int:pk>/checkins/", rehab_views.RehabCheckinView.as_view(), name="rehab_checkin"),
    path(
        "rehab/<int:pk>/reads/", rehab_views.RehabCaseReadsView.as_view(), name="rehab_case_reads"
    ),
    # Audit trail (cases/views/audit.py): scoped to the viewer like every read
    path("audit/", audit_views.AuditExplorerView.as_view(), name="audit_explorer"),
    path("audit/export/", audit_views.AuditExportView.as_view(), name="audit_export"),
    path("audit/cases/<int:pk>/", audit_views.AuditCaseView.as_view(), name="audit_case"),
    path("audit/users/<str:username>/", audit_views.AuditUserView.as_view(), name="audit_user"),
    path("audit/verify/", audit_views.AuditVerifyView.as_view(), name="audit_verify"),
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
