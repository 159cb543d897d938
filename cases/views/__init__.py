"""Server-rendered web UI (Vietnamese first). Views are thin: reads go through
cases.selectors, state changes through workflows.engine, other writes through
cases.services; domain errors are answered in one place (base.CaseflowView)."""

from .case_detail import (
    CaseApologyView,
    CaseDetailView,
    CaseDocumentDownloadView,
    CaseDocumentUploadView,
    CaseTransitionView,
)
from .case_list import CaseListView
from .drafts import HousingCaseCreateView, HousingCaseEditView, PersonCreateView
from .gift_documents import CampaignReconciliationView, GiftListSignatureView
from .gift_import import GiftListImportTemplateView, GiftListImportView
from .notifications import (
    NotificationListView,
    NotificationPreferencesView,
    NotificationReadView,
)
from .onestop import OneStopKpiView
from .process import ProcessDiagramView
from .tasks import TaskActionView, TaskListView, home

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
