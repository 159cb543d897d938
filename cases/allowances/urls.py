"""Monthly allowances: web pages (`urlpatterns`) and API routes (`api_urlpatterns`)."""

from django.urls import path

from cases.allowances import api, api_payrolls
from cases.allowances.views import documents, dossiers, entitlements, payrolls, recuperation

urlpatterns = [
    # --- monthly payrolls
    path("allowances/payrolls/", payrolls.PayrollListView.as_view(), name="payroll_list"),
    path(
        "allowances/payrolls/generate/",
        payrolls.PayrollGenerateView.as_view(),
        name="payroll_generate",
    ),
    path(
        "allowances/payrolls/<int:pk>/", payrolls.PayrollDetailView.as_view(), name="payroll_detail"
    ),
    path(
        "allowances/payrolls/<int:pk>/transitions/<slug:name>/",
        payrolls.PayrollTransitionView.as_view(),
        name="payroll_transition",
    ),
    path(
        "allowances/payrolls/<int:pk>/regenerate/",
        payrolls.PayrollRegenerateView.as_view(),
        name="payroll_regenerate",
    ),
    path(
        "allowances/payrolls/<int:pk>/results/",
        payrolls.PayrollResultsView.as_view(),
        name="payroll_results",
    ),
    path(
        "allowances/payrolls/<int:pk>/results/record/",
        payrolls.PayrollResultsPostView.as_view(),
        name="payroll_results_record",
    ),
    path(
        "allowances/payrolls/<int:pk>/results/settle/",
        payrolls.PayrollSettleView.as_view(),
        name="payroll_unpaid_settle",
    ),
    path(
        "allowances/payrolls/<int:pk>/results/import/",
        documents.PaymentResultsImportView.as_view(),
        name="payroll_results_import",
    ),
    path(
        "allowances/payrolls/<int:pk>/documents/<slug:document>/",
        documents.PayrollDocumentView.as_view(),
        name="payroll_document_download",
    ),
    path(
        "allowances/payrolls/summary.xlsx",
        documents.MonthlySummaryView.as_view(),
        name="payroll_summary_xlsx",
    ),
    # --- entitlements
    path(
        "allowances/entitlements/",
        entitlements.EntitlementListView.as_view(),
        name="entitlement_list",
    ),
    path(
        "allowances/entitlements/<int:pk>/",
        entitlements.EntitlementDetailView.as_view(),
        name="entitlement_detail",
    ),
    path(
        "allowances/entitlements/<int:pk>/transitions/<slug:name>/",
        entitlements.EntitlementTransitionView.as_view(),
        name="entitlement_transition",
    ),
    # --- decision dossiers
    path(
        "allowances/dossiers/", dossiers.AllowanceCaseListView.as_view(), name="allowance_case_list"
    ),
    path(
        "allowances/dossiers/new/",
        dossiers.AllowanceCaseCreateView.as_view(),
        name="allowance_case_create",
    ),
    path(
        "allowances/dossiers/<int:pk>/",
        dossiers.AllowanceCaseDetailView.as_view(),
        name="allowance_case_detail",
    ),
    path(
        "allowances/dossiers/<int:pk>/transitions/<slug:name>/",
        dossiers.AllowanceCaseTransitionView.as_view(),
        name="allowance_case_transition",
    ),
    path(
        "allowances/dossiers/<int:pk>/documents/",
        dossiers.AllowanceCaseDocumentUploadView.as_view(),
        name="allowance_case_document_upload",
    ),
    path(
        "allowances/dossiers/<int:pk>/decision.docx",
        documents.AllowanceDecisionView.as_view(),
        name="allowance_case_decision_docx",
    ),
    path(
        "allowances/dossiers/<int:pk>/documents/<int:doc_pk>/",
        dossiers.AllowanceCaseDocumentDownloadView.as_view(),
        name="allowance_case_document_download",
    ),
    # --- recuperation lists (cases/allowances/views/recuperation.py)
    path(
        "allowances/recuperation/",
        recuperation.RecuperationListsView.as_view(),
        name="recuperation_lists",
    ),
    path(
        "allowances/recuperation/open/",
        recuperation.RecuperationListOpenView.as_view(),
        name="recuperation_list_open",
    ),
    path(
        "allowances/recuperation/<int:pk>/",
        recuperation.RecuperationListDetailView.as_view(),
        name="recuperation_list_detail",
    ),
    path(
        "allowances/recuperation/<int:pk>/transitions/<slug:name>/",
        recuperation.RecuperationListTransitionView.as_view(),
        name="recuperation_list_transition",
    ),
    path(
        "allowances/recuperation/<int:pk>/add/",
        recuperation.RecuperationAddView.as_view(),
        name="recuperation_rows_add",
    ),
    path(
        "allowances/recuperation/<int:pk>/remove/",
        recuperation.RecuperationRemoveView.as_view(),
        name="recuperation_rows_remove",
    ),
]

# --- REST API (cases/allowances/api.py, api_payrolls.py), under /api/v1/
api_urlpatterns = [
    path("allowances/regimes/", api.RegimeListView.as_view(), name="api-allowance-regimes"),
    path(
        "allowances/entitlements/",
        api.EntitlementListView.as_view(),
        name="api-allowance-entitlements",
    ),
    path(
        "allowances/entitlements/<int:pk>/",
        api.EntitlementDetailView.as_view(),
        name="api-allowance-entitlement",
    ),
    path(
        "allowances/entitlements/<int:pk>/transitions/<slug:name>/",
        api.EntitlementTransitionView.as_view(),
        name="api-allowance-entitlement-transition",
    ),
    path("allowances/dossiers/", api.DossierCreateView.as_view(), name="api-allowance-dossiers"),
    path(
        "allowances/dossiers/<int:pk>/",
        api.DossierDetailView.as_view(),
        name="api-allowance-dossier",
    ),
    path(
        "allowances/dossiers/<int:pk>/transitions/<slug:name>/",
        api.DossierTransitionView.as_view(),
        name="api-allowance-dossier-transition",
    ),
    path(
        "allowances/dossiers/<int:pk>/documents/",
        api.DossierDocumentView.as_view(),
        name="api-allowance-dossier-documents",
    ),
    path(
        "allowances/payrolls/",
        api_payrolls.PayrollListView.as_view(),
        name="api-allowance-payrolls",
    ),
    path(
        "allowances/payrolls/<int:pk>/",
        api_payrolls.PayrollDetailView.as_view(),
        name="api-allowance-payroll",
    ),
    path(
        "allowances/payrolls/<int:pk>/lines/",
        api_payrolls.PayrollLineListView.as_view(),
        name="api-allowance-payroll-lines",
    ),
    path(
        "allowances/payrolls/<int:pk>/transitions/<slug:name>/",
        api_payrolls.PayrollTransitionView.as_view(),
        name="api-allowance-payroll-transition",
    ),
    path(
        "allowances/payrolls/<int:pk>/results/",
        api_payrolls.PayrollResultsView.as_view(),
        name="api-allowance-payroll-results",
    ),
    path(
        "allowances/payrolls/<int:pk>/settle/",
        api_payrolls.PayrollSettleView.as_view(),
        name="api-allowance-payroll-settle",
    ),
]
