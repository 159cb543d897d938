"""Drug rehab: web pages (`urlpatterns`, included by `cases.urls`) and API routes
(`api_urlpatterns`, included by `cases.api_urls` under /api/v1/)."""

from django.urls import path

from cases.rehab import api, read_views, views

urlpatterns = [
    path("rehab/", views.RehabListView.as_view(), name="rehab_list"),
    path(
        "rehab/referrals/new/",
        views.ReferralCreateView.as_view(),
        name="rehab_referral_create",
    ),
    path(
        "rehab/voluntary/new/",
        views.VoluntaryCreateView.as_view(),
        name="rehab_voluntary_create",
    ),
    path("rehab/export/", read_views.RehabExportView.as_view(), name="rehab_export"),
    path("rehab/reads/", read_views.RehabReadLogView.as_view(), name="rehab_read_log"),
    path("rehab/<int:pk>/", views.RehabDetailView.as_view(), name="rehab_detail"),
    path("rehab/<int:pk>/open/", views.RehabOpenView.as_view(), name="rehab_open"),
    path(
        "rehab/<int:pk>/transitions/<slug:name>/",
        views.RehabTransitionView.as_view(),
        name="rehab_transition",
    ),
    path(
        "rehab/<int:pk>/documents/",
        views.RehabDocumentUploadView.as_view(),
        name="rehab_document_upload",
    ),
    path(
        "rehab/<int:pk>/documents/<int:doc_pk>/",
        views.RehabDocumentDownloadView.as_view(),
        name="rehab_document_download",
    ),
    path("rehab/<int:pk>/checkins/", views.RehabCheckinView.as_view(), name="rehab_checkin"),
    path("rehab/<int:pk>/reads/", read_views.RehabCaseReadsView.as_view(), name="rehab_case_reads"),
]

api_urlpatterns = [
    path("rehab/cases/", api.RehabCaseListView.as_view(), name="api-rehab-cases"),
    path(
        "rehab/referrals/",
        api.RehabReferralCreateView.as_view(),
        name="api-rehab-referrals",
    ),
    path(
        "rehab/voluntary/",
        api.RehabVoluntaryCreateView.as_view(),
        name="api-rehab-voluntary",
    ),
    path("rehab/cases/<int:pk>/", api.RehabCaseDetailView.as_view(), name="api-rehab-case"),
    path(
        "rehab/cases/<int:pk>/transitions/<slug:name>/",
        api.RehabCaseTransitionView.as_view(),
        name="api-rehab-case-transition",
    ),
    path(
        "rehab/cases/<int:pk>/checkins/",
        api.RehabCheckinView.as_view(),
        name="api-rehab-case-checkins",
    ),
    path(
        "rehab/cases/<int:pk>/reads/",
        api.RehabCaseReadsView.as_view(),
        name="api-rehab-case-reads",
    ),
    path("rehab/export/", api.RehabExportView.as_view(), name="api-rehab-export"),
]
