"""Shared web pages (tasks, people, notifications, processes, one-stop KPI,
audit). Views are thin: reads go through selectors, state changes through
`workflows.engine`, other writes through services; domain errors are answered
in one place (`cases.views.base.CaseflowView`). Each process keeps its own pages
in its package."""

from cases.views.notifications import (
    NotificationListView,
    NotificationPreferencesView,
    NotificationReadView,
)
from cases.views.onestop import OneStopKpiView
from cases.views.process import ProcessDiagramView
from cases.views.tasks import TaskActionView, TaskListView, home

__all__ = [
    "NotificationListView",
    "NotificationPreferencesView",
    "NotificationReadView",
    "OneStopKpiView",
    "ProcessDiagramView",
    "TaskActionView",
    "TaskListView",
    "home",
]
