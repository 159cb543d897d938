"""The engine's models, by what they do (one module each)."""

from workflows.models.audit import AuditAlert, AuditChainHead, AuditCheckpoint, AuditEvent
from workflows.models.calendar import (
    DeclaredDay,
    MakeUpWorkday,
    OfficeDayOff,
    ReminderSent,
    StepTimeLimit,
    TaskDeadline,
)
from workflows.models.idempotency import IdempotencyKey
from workflows.models.procedures import (
    ApologyLetter,
    OneStopProcedure,
    OneStopRecord,
    ProcedureVersion,
)

__all__ = [
    "AuditEvent",
    "AuditChainHead",
    "AuditCheckpoint",
    "AuditAlert",
    "DeclaredDay",
    "OfficeDayOff",
    "MakeUpWorkday",
    "StepTimeLimit",
    "TaskDeadline",
    "ReminderSent",
    "ProcedureVersion",
    "OneStopProcedure",
    "OneStopRecord",
    "ApologyLetter",
    "IdempotencyKey",
]
