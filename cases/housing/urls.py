"""Housing support: web pages (`urlpatterns`, included by `cases.urls`) and API routes
(`api_urlpatterns`, included by `cases.api_urls` under /api/v1/)."""

from django.urls import path

from cases.housing import api
from cases.housing.views import detail, drafts
from cases.housing.views import list as case_list

urlpatterns = [
    path("cases/", case_list.CaseListView.as_view(), name="case_list"),
    path("cases/new/", drafts.HousingCaseCreateView.as_view(), name="case_create"),
    path("cases/<int:pk>/", detail.CaseDetailView.as_view(), name="case_detail"),
    path("cases/<int:pk>/edit/", drafts.HousingCaseEditView.as_view(), name="case_edit"),
    path(
        "cases/<int:pk>/transitions/<slug:name>/",
        detail.CaseTransitionView.as_view(),
        name="case_transition",
    ),
    path(
        "cases/<int:pk>/documents/",
        detail.CaseDocumentUploadView.as_view(),
        name="case_document_upload",
    ),
    path("cases/<int:pk>/apology/", detail.CaseApologyView.as_view(), name="case_apology"),
    path(
        "cases/<int:pk>/documents/<int:doc_pk>/",
        detail.CaseDocumentDownloadView.as_view(),
        name="case_document_download",
    ),
]

api_urlpatterns = [
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
    path("cases/<int:pk>/audit/", api.CaseAuditView.as_view(), name="api-case-audit"),
]
