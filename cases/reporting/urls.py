"""The dashboard and the six-month report: web pages
(`urlpatterns`, included by `cases.urls`) and API routes
(`api_urlpatterns`, included by `cases.api_urls` under /api/v1/)."""

from django.urls import path

from cases.reporting.api import SixMonthReportView
from cases.reporting.views import dashboard, report

urlpatterns = [
    path("reports/six-month/", report.SixMonthReportView.as_view(), name="report_six_month"),
    path(
        "reports/six-month.docx",
        report.SixMonthReportFileView.as_view(fmt="docx"),
        name="report_six_month_docx",
    ),
    path(
        "reports/six-month.xlsx",
        report.SixMonthReportFileView.as_view(fmt="xlsx"),
        name="report_six_month_xlsx",
    ),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/dashboard.xlsx",
        dashboard.DashboardXlsxView.as_view(),
        name="dashboard_xlsx",
    ),
]

api_urlpatterns = [
    path("reports/six-month/", SixMonthReportView.as_view(), name="api-report-six-month"),
]
