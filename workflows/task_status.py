"""The viewflow statuses of a human task that still waits for someone."""

from viewflow.workflow.status import STATUS

OPEN_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
