"""Monthly allowances: web pages (`urlpatterns`) and API routes (`api_urlpatterns`)."""

from django.urls import path

from cases.allowances.views.pending import pending

urlpatterns = [
    path("allowances/dossiers/<int:pk>/", pending, name="allowance_case_detail"),
    path("allowances/entitlements/<int:pk>/", pending, name="entitlement_detail"),
    path("allowances/payrolls/<int:pk>/", pending, name="payroll_detail"),
    path("allowances/recuperation/<int:pk>/", pending, name="recuperation_list_detail"),
]

api_urlpatterns: list = []
