"""REST API routes, mounted at /api/v1/ by config.urls."""

from django.urls import path, re_path

from cases import api, api_audit, api_rehab
from cases.api_report import SixMonthReportView

urlpatterns = [
    path("auth/token/", api.TokenView.as_view(), name="api-token"),
    path("communes/", api.CommuneListView.as_view(), name="api-communes"),
    path("people/", api.PersonListView.as_view(), name="api-people"),
    path("people/<int:pk>/", api.PersonDetailView.as_view(), name="api-person"),
    path("housing/", api.HousingListView.as_view(), name="api-housing"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<int:pk>/documents/", api.CaseDocumentView.as_view(), name="api-case-documents"),
    path(
        "cases/<int:pk>/transitions/<slug:name>/",
        api.CaseTransitionView.as_view(),
        name="api-case-transition",
    ),
    path(
        "cases/<int:pk>/apology-letters/",
        api.CaseApologyView.as_view(),
        name="api-case-apology",
    ),
    path("one-stop/kpi/", api.OneStopKpiView.as_view(), name="api-onestop-kpi"),
    path("cases/<int:pk>/audit/", api.CaseAuditView.as_view(), name="api-case-audit"),
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/claim/", api.TaskClaimView.as_view(), name="api-task-claim"),
    path(
        "gift-lists/<int:pk>/import/",
        api.GiftListImportView.as_view(),
        name="api-gift-list-import",
    ),
    path(
        "gift-lists/<int:pk>/signature-list/",
        api.GiftListSignatureListView.as_view(),
        name="api-gift-list-signature",
    ),
    path(
        "campaigns/<int:pk>/reconciliation/",
        api.CampaignReconciliationView.as_view(),
        name="api-campaign-reconciliation",
    ),
    path("campaigns/", api.CampaignListView.as_view(), name="api-campaigns"),
    path("campaigns/<int:pk>/", api.CampaignDetailView.as_view(), name="api-campaign"),
    path("gift-lists/", api.GiftListListView.as_view(), name="api-gift-lists"),
    path("gift-lists/<int:pk>/", api.GiftListDetailView.as_view(), name="api-gift-list"),
    path(
        "gift-lists/<int:pk>/transitions/<slug:name>/",
        api.GiftListTransitionView.as_view(),
        name="api-gift-list-transition",
    ),
    path("gift-lists/<int:pk>/rows/", api.GiftRowListView.as_view(), name="api-gift-list-rows"),
    path(
        "gift-lists/<int:pk>/deliveries/",
        api.GiftDeliveriesView.as_view(),
        name="api-gift-list-deliveries",
    ),
    path(
        "gift-lists/<int:pk>/returns/", api.GiftReturnsView.as_view(), name="api-gift-list-returns"
    ),
    path("rehab/cases/", api_rehab.RehabCaseListView.as_view(), name="api-rehab-cases"),
    path(
        "rehab/referrals/",
        api_rehab.RehabReferralCreateView.as_view(),
        name="api-rehab-referrals",
    ),
    path(
        "rehab/voluntary/",
        api_rehab.RehabVoluntaryCreateView.as_view(),
        name="api-rehab-voluntary",
    ),
    path("rehab/cases/<int:pk>/", api_rehab.RehabCaseDetailView.as_view(), name="api-rehab-case"),
    path(
        "rehab/cases/<int:pk>/transitions/<slug:name>/",
        api_rehab.RehabCaseTransitionView.as_view(),
        name="api-rehab-case-transition",
    ),
    path(
        "rehab/cases/<int:pk>/checkins/",
        api_rehab.RehabCheckinView.as_view(),
        name="api-rehab-case-checkins",
    ),
    path(
        "rehab/cases/<int:pk>/reads/",
        api_rehab.RehabCaseReadsView.as_view(),
        name="api-rehab-case-reads",
    ),
    path("rehab/export/", api_rehab.RehabExportView.as_view(), name="api-rehab-export"),
    path("audit/events/", api_audit.AuditEventListView.as_view(), name="api-audit-events"),
    path("audit/events/export/", api_audit.AuditExportView.as_view(), name="api-audit-export"),
    path("audit/verify/", api_audit.AuditVerifyView.as_view(), name="api-audit-verify"),
    path("reports/six-month/", SixMonthReportView.as_view(), name="api-report-six-month"),
    # Last: any other path ending in "/" is a JSON 404. Paths without the slash
    # still get CommonMiddleware's redirect to the slashed form first.
    re_path(r"^(?:.*/)?$", api.api_not_found, name="api-not-found"),
]
