"""Gift campaigns: web pages (`urlpatterns`, included by `cases.urls`) and API routes
(`api_urlpatterns`, included by `cases.api_urls` under /api/v1/)."""

from django.urls import path

from cases.gifts import api, api_imports
from cases.gifts.views import campaigns, documents, imports, lists

urlpatterns = [
    path("campaigns/", campaigns.CampaignListView.as_view(), name="campaign_list"),
    path("campaigns/<int:pk>/", campaigns.CampaignDetailView.as_view(), name="campaign_detail"),
    path(
        "campaigns/<int:pk>/lists/",
        campaigns.CampaignListOpenView.as_view(),
        name="campaign_list_open",
    ),
    path(
        "campaigns/<int:pk>/approve-lists/",
        campaigns.CampaignListsTransitionView.as_view(),
        name="campaign_approve_lists",
    ),
    path(
        "campaigns/<int:pk>/review-lists/",
        campaigns.CampaignListsTransitionView.as_view(
            transition="review", from_state="confirmed", role="district_specialist"
        ),
        name="campaign_review_lists",
    ),
    path(
        "campaigns/<int:pk>/reconcile/",
        campaigns.CampaignReconcileView.as_view(),
        name="campaign_reconcile",
    ),
    path("gift-lists/<int:pk>/", lists.GiftListDetailView.as_view(), name="gift_list_detail"),
    path(
        "gift-lists/<int:pk>/transitions/<slug:name>/",
        lists.GiftListTransitionView.as_view(),
        name="gift_list_transition",
    ),
    path("gift-lists/<int:pk>/build/", lists.GiftListBuildView.as_view(), name="gift_list_build"),
    path(
        "gift-lists/<int:pk>/remove-rows/",
        lists.GiftListRemoveRowsView.as_view(),
        name="gift_list_remove_rows",
    ),
    path(
        "gift-lists/<int:pk>/deliveries/",
        lists.GiftListDeliverView.as_view(),
        name="gift_list_deliver",
    ),
    path(
        "gift-lists/<int:pk>/returns/",
        lists.GiftListReturnView.as_view(),
        name="gift_list_return",
    ),
    path(
        "gift-lists/<int:pk>/import/template.xlsx",
        imports.GiftListImportTemplateView.as_view(),
        name="gift_list_import_template",
    ),
    path(
        "gift-lists/<int:pk>/import/", imports.GiftListImportView.as_view(), name="gift_list_import"
    ),
    path(
        "gift-lists/<int:pk>/imports/<int:attempt>/",
        imports.GiftImportResultView.as_view(),
        name="gift_import_result",
    ),
    path(
        "gift-lists/<int:pk>/imports/<int:attempt>/errors.xlsx",
        imports.GiftImportErrorFileView.as_view(),
        name="gift_import_error_file",
    ),
    path(
        "gift-lists/<int:pk>/signature-list.xlsx",
        documents.GiftListSignatureView.as_view(fmt="xlsx"),
        name="gift_list_signature_xlsx",
    ),
    path(
        "gift-lists/<int:pk>/signature-list.docx",
        documents.GiftListSignatureView.as_view(fmt="docx"),
        name="gift_list_signature_docx",
    ),
    path(
        "campaigns/<int:pk>/reconciliation.xlsx",
        documents.CampaignReconciliationView.as_view(fmt="xlsx"),
        name="campaign_reconciliation_xlsx",
    ),
    path(
        "campaigns/<int:pk>/reconciliation.docx",
        documents.CampaignReconciliationView.as_view(fmt="docx"),
        name="campaign_reconciliation_docx",
    ),
]

api_urlpatterns = [
    path(
        "gift-lists/<int:pk>/import/",
        api_imports.GiftListImportView.as_view(),
        name="api-gift-list-import",
    ),
    path(
        "gift-lists/<int:pk>/imports/<int:attempt>/errors.xlsx",
        api_imports.GiftImportErrorFileView.as_view(),
        name="api-gift-import-error-file",
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
]
