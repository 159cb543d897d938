"""URL configuration: web UI, REST API (/api/v1), OpenAPI schema and docs, admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("cases.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("cases.urls")),
]
# MEDIA_URL is deliberately not served: case documents are downloaded only
# through the commune-scoped view (cases/<pk>/documents/<doc_pk>/).

# Errors answer JSON {code, message, fields} under /api/, Vietnamese pages elsewhere.
handler400 = "workflows.api_errors.bad_request"
handler403 = "workflows.api_errors.permission_denied"
handler404 = "workflows.api_errors.page_not_found"
handler500 = "workflows.api_errors.server_error"
