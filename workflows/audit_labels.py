"""The words of the audit trail: what each kind of event, object, data key
and coded value is called on screen and in the exports (the presenter,
workflows.audit_presenter, reads events with them)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

# What happened, for events other than a transition (which shows its own label).
EVENT_LABELS: dict[str, Any] = {
    "transition": gettext_lazy("Step of the process"),
    "bulk_transition": gettext_lazy("Rows moved together"),
    "create": gettext_lazy("Created the case"),
    "edit": gettext_lazy("Edited the draft"),
    "document_upload": gettext_lazy("Uploaded a document"),
    "task_waiting": gettext_lazy("Task waiting"),
    "case_finished": gettext_lazy("Case finished"),
    "person_create": gettext_lazy("Registered a person"),
    "gift_import": gettext_lazy("Imported a gift list"),
    "campaign_reconcile": gettext_lazy("Reconciled a gift campaign"),
    "onestop_apology": gettext_lazy("Issued the apology and new appointment letter (Mẫu 04)"),
    "checkin": gettext_lazy("Post-rehab check-in"),
    "read": gettext_lazy("Read a record"),
    "export": gettext_lazy("Exported"),
    "rehab_person_create": gettext_lazy("Registered a person for rehab"),
    "role_grant": gettext_lazy("Granted a role"),
    "role_revoke": gettext_lazy("Revoked a role"),
    # The reorganisation of administrative units (cases.reorganization).
    "unit_transfer": gettext_lazy("Moved to the new administrative unit"),
    "unit_closed": gettext_lazy("Administrative unit closed by the reorganisation"),
    # Login security (cases.accounts).
    "login": gettext_lazy("Logged in"),
    "login_failed": gettext_lazy("Failed login"),
    "logout": gettext_lazy("Logged out"),
    "login_lockout": gettext_lazy("Login locked out"),
    "login_unlock": gettext_lazy("Login lockout ended"),
    "password_change": gettext_lazy("Changed the password"),
    "otp_enrol": gettext_lazy("Enrolled two-step verification"),
    "otp_verify": gettext_lazy("Verified the second factor"),
    "otp_verify_failed": gettext_lazy("Wrong second-factor code"),
    "otp_reset": gettext_lazy("Reset two-step verification"),
    "token_issue": gettext_lazy("Issued an API token"),
    "token_revoke": gettext_lazy("Revoked API tokens"),
    "audit_export": gettext_lazy("Exported the audit trail"),
    "report_download": gettext_lazy("Downloaded a report"),
}
# The event filter's choices (it takes only these: a DISTINCT over millions
# of events is not worth it to find others).
EVENT_TYPES = tuple(EVENT_LABELS)

# What the event is about when it is not a case: a noun and a cheap reference.
OBJECT_LABELS: dict[str, Any] = {
    "cases.case": gettext_lazy("Case #%(id)s"),
    "cases.person": gettext_lazy("Person #%(id)s"),
    "auth.user": gettext_lazy("Account %(id)s"),
    "cases.giftlist": gettext_lazy("Gift list #%(id)s"),
    "cases.campaign": gettext_lazy("Gift campaign #%(id)s"),
    "cases.giftcampaign": gettext_lazy("Gift campaign #%(id)s"),
    "cases.document": gettext_lazy("Document #%(id)s"),
    "cases.rehabcase": gettext_lazy("Drug-rehab records"),
    "cases.report": gettext_lazy("Six-month report"),
    "workflows.apologyletter": gettext_lazy("Apology letter #%(id)s"),
    "workflows.auditevent": gettext_lazy("Audit trail"),
    "cases.giftrecipient": gettext_lazy("Gift list row #%(id)s"),
    "cases.administrativeunit": gettext_lazy("Administrative unit #%(id)s"),
}
# An object no table names yet: never shown by its code.
OTHER_OBJECT = gettext_lazy("Record #%(id)s")

# Labels of the data keys written by events other than transitions.
DATA_LABELS: dict[str, Any] = {
    "purpose": gettext_lazy("Purpose"),
    "note": gettext_lazy("Note"),
    "via": gettext_lazy("Via"),
    "format": gettext_lazy("Format"),
    "rows": gettext_lazy("Rows"),
    "filters": gettext_lazy("Filters"),
    "username": gettext_lazy("Account"),
    "role": gettext_lazy("Role"),
    "commune": gettext_lazy("Commune"),
    "checked_on": gettext_lazy("Check-in date"),
    "result": gettext_lazy("Result"),
    "document": gettext_lazy("Document"),
    "district": gettext_lazy("District"),
    "start": gettext_lazy("From date"),
    "end": gettext_lazy("To date"),
    "number": gettext_lazy("Number"),
    "kind": gettext_lazy("Kind"),
    "name": gettext_lazy("Name"),
    "full_name": gettext_lazy("Full name"),
    "national_id": gettext_lazy("ID number"),
    "new_due_on": gettext_lazy("New appointment date"),
    "requested_amount": gettext_lazy("Requested amount"),
    "amount": gettext_lazy("Amount"),
    "how": gettext_lazy("How"),
    "refused": gettext_lazy("Refused while locked out"),
    "address": gettext_lazy("IP address"),
    "failures": gettext_lazy("Failed attempts"),
    "minutes": gettext_lazy("Minutes"),
    "method": gettext_lazy("Method"),
    "tokens": gettext_lazy("API tokens"),
    "devices": gettext_lazy("Devices"),
    "expiry": gettext_lazy("Valid until"),
    # Uploads, imports and lists.
    "program": gettext_lazy("Program"),
    "size": gettext_lazy("File size"),
    "sha256": gettext_lazy("SHA-256 checksum"),
    "file_name": gettext_lazy("File name"),
    "rows_read": gettext_lazy("Rows read"),
    "rows_skipped": gettext_lazy("Rows skipped"),
    "people_created": gettext_lazy("People registered"),
    "added": gettext_lazy("Rows added"),
    "removed": gettext_lazy("Rows removed"),
    "delivered": gettext_lazy("Gifts handed over"),
    "delivered_on": gettext_lazy("Handed over on"),
    "returned": gettext_lazy("Gifts not handed over"),
    "reason": gettext_lazy("Reason"),
    "return_reason": gettext_lazy("Reason not delivered"),
    "signed_by": gettext_lazy("Signed by"),
    "proxy_name": gettext_lazy("Proxy's name"),
    "proxy_relationship": gettext_lazy("Proxy's relationship"),
    "campaign": gettext_lazy("Gift campaign"),
    "gift_list": gettext_lazy("Gift list"),
    "previous_due_on": gettext_lazy("Previous appointment date"),
    "group": gettext_lazy("Role"),
    # Drug rehab's filing.
    "version": gettext_lazy("Procedure version"),
    "route": gettext_lazy("Route"),
    "ground": gettext_lazy("Ground"),
    "setting": gettext_lazy("Where"),
    "pending_management": gettext_lazy("Management while pending"),
    # The audit explorer's filters (an export's record).
    "date_from": gettext_lazy("From date"),
    "date_to": gettext_lazy("To date"),
    "actor": gettext_lazy("User name"),
    "process": gettext_lazy("Process"),
    "case": gettext_lazy("Case"),
    "event": gettext_lazy("Event"),
    "q": gettext_lazy("Search"),
    "case_id": gettext_lazy("Case"),
    "actor_id": gettext_lazy("Account"),
    # The reorganisation of administrative units.
    "from": gettext_lazy("From unit"),
    "to": gettext_lazy("To unit"),
    "successor": gettext_lazy("Successor unit"),
    "decision": gettext_lazy("Decision"),
    "effective": gettext_lazy("Effective from"),
    "carried_from": gettext_lazy("Carried from"),
}
# A key no table names yet is shown under this label, never as its code.
OTHER_DETAIL = gettext_lazy("Detail")

# Data keys whose values are amounts of money, or sizes of files (other
# whole numbers are counts).
MONEY_KEYS = frozenset({"amount", "requested_amount", "assessed_amount", "approved_amount"})
SIZE_KEYS = frozenset({"size"})

# The documents a download event names (its data's "document": code.format).
DOCUMENT_LABELS: dict[str, Any] = {
    "signature_list": gettext_lazy("Signature list"),
    "reconciliation": gettext_lazy("Reconciliation of the gift campaign"),
    "six_month_report": gettext_lazy("Six-month report"),
}


def register_object_labels(labels: dict[str, Any]) -> None:
    """A process names its objects for the trail ("Payroll #%(id)s"), from its
    AppConfig.ready."""
    OBJECT_LABELS.update(labels)


def register_document_labels(labels: dict[str, Any]) -> None:
    """A process names its documents for the trail (from its AppConfig.ready)."""
    DOCUMENT_LABELS.update(labels)


def document_label(name: str) -> str:
    """'signature_list.xlsx' -> 'Danh sách ký nhận (.xlsx)'; another name as it is."""
    stem, _dot, ext = str(name).partition(".")
    label = DOCUMENT_LABELS.get(stem)
    if label is None:
        return str(name)
    return f"{label} (.{ext})" if ext else str(label)


# Codes in the data of the login-security events, as people read them.
LOGIN_EVENTS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "login_lockout",
        "login_unlock",
        "password_change",
        "otp_enrol",
        "otp_verify",
        "otp_verify_failed",
        "otp_reset",
        "token_issue",
        "token_revoke",
    }
)
LOGIN_VALUE_LABELS: dict[str, dict[str, Any]] = {
    "via": {
        "web": gettext_lazy("web page"),
        "api": gettext_lazy("API"),
        "admin": gettext_lazy("administration site"),
    },
    "how": {
        "administrator": gettext_lazy("by the administrator"),
        "cool_off": gettext_lazy("after the waiting time"),
        "logout": gettext_lazy("logout"),
        "logout_all": gettext_lazy("logout everywhere"),
        "command": gettext_lazy("provisioning command"),
        "demo": gettext_lazy("demo data"),
    },
    "method": {
        "totp": gettext_lazy("authenticator app"),
        "recovery_code": gettext_lazy("recovery code"),
    },
}
# Codes in the data of any event that no model field's choices name.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "via": LOGIN_VALUE_LABELS["via"],
    "how": {
        "registry": gettext_lazy("from the registry"),
        "import": gettext_lazy("from a file"),
        "xlsx": gettext_lazy("from a file"),
        "gift_import": gettext_lazy("import of a gift list"),
    },
    "format": {"xlsx": ".xlsx", "csv": ".csv", "docx": ".docx", "pdf": ".pdf"},
}
