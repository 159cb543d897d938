"""Server-rendered web UI (Vietnamese first). Views are thin: reads go through
cases.selectors, state changes through workflows.engine, other writes through
cases.services; domain errors are answered in one place (base.CaseflowView)."""

from cases.views.case_detail import (
    CaseApologyView,
    CaseDetailView,
    CaseDocumentDownloadView,
    CaseDocumentUploadView,
    CaseTransitionView,
)
from cases.views.case_list import CaseListView
from cases.views.drafts import HousingCaseCreateView, HousingCaseEditView, PersonCreateView
from cases.views.gift_documents import CampaignReconciliationView, GiftListSignatureView
from cases.views.gift_import import GiftListImportTemplateView, GiftListImportView
from cases.views.notifications import (
    NotificationListView,
    NotificationPreferencesView,
    NotificationReadView,
)
from cases.views.onestop import OneStopKpiView
from cases.views.process import ProcessDiagramView
from cases.views.tasks import TaskActionView, TaskListView, home

__all__ = [
    "CampaignReconciliationView",
    "GiftListSignatureView",
    "CaseApologyView",
    "OneStopKpiView",
    "CaseDetailView",
    "CaseDocumentDownloadView",
    "CaseDocumentUploadView",
    "CaseListView",
    "CaseTransitionView",
    "GiftListImportTemplateView",
    "GiftListImportView",
    "HousingCaseCreateView",
    "HousingCaseEditView",
    "NotificationListView",
    "NotificationPreferencesView",
    "NotificationReadView",
    "PersonCreateView",
    "ProcessDiagramView",
    "TaskActionView",
    "TaskListView",
    "home",
]
