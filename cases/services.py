"""Writes to the registry and to case records (other than their state).

State changes are not here: they go through `workflows.engine.transition`."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cases.models import AdministrativeUnit, Case, Category, Document, DocumentRequirement, Person
from cases.uploads.documents import EXTENSIONS, SIGNATURES, sniff_document
from cases.uploads.refusals import Refusal, refused
from cases.validators import national_id_errors
from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.permissions import (
    DOCUMENT_ROLES,
    REHAB_COMMUNE_ROLES,
    SENSITIVE_PROCESSES,
    may_manage_registry,
    may_upload_document,
    roles_for_case,
    scope_for,
)


def person_errors(
    *, full_name: str, date_of_birth: dt.date | None, sex: str, national_id: str
) -> dict[str, list[str]]:
    """What is wrong with a person's identity fields (the same rules for every registry)."""
    errors: dict[str, list[str]] = {}
    if not (full_name or "").strip():
        errors["full_name"] = [_("Please enter the full name.")]
    if date_of_birth is None:
        errors["date_of_birth"] = [_("Please enter the date of birth.")]
    nid_errors = national_id_errors(national_id or "", date_of_birth, sex)
    if nid_errors:
        errors["national_id"] = nid_errors
    return errors


def person_insert(
    *,
    actor: User,
    event: str,
    commune: AdministrativeUnit,
    national_id: str,
    full_name: str,
    date_of_birth: dt.date,
    sex: str,
    address: str = "",
    categories: list[str] | None = None,
    merit_subtype: str = "",
    rehab_only: bool = False,
    actor_role: str = "",
) -> Person | None:
    """The one way a person enters a registry: the row and its audit event in
    one transaction. None when the same national ID entered that registry a
    moment ago (the caller says what that means). Checks are the caller's."""
    try:
        with transaction.atomic():
            person = Person.objects.create(
                full_name=full_name.strip(),
                date_of_birth=date_of_birth,
                sex=sex,
                national_id=national_id,
                commune=commune,
                address=address,
                categories=list(categories or []),
                merit_subtype=merit_subtype,
                rehab_only=rehab_only,
            )
            audit.record(
                actor=actor,
                actor_role=actor_role,
                commune_id=commune.pk,
                event=event,
                object_type="cases.person",
                object_id=str(person.pk),
                data={"national_id": national_id, "full_name": person.full_name},
            )
    except IntegrityError:
        return None
    return person


def person_create(
    *,
    actor: User,
    full_name: str,
    date_of_birth: dt.date,
    sex: str,
    national_id: str,
    commune: AdministrativeUnit,
    address: str = "",
    categories: list[str] | None = None,
    merit_subtype: str = "",
) -> Person:
    """Register a person. One person per national ID: a duplicate is refused
    with a pointer to the existing record when the actor may see it."""
    if not may_manage_registry(actor, commune.pk):
        raise NotPermitted(_("You cannot register people in this commune."))
    errors = person_errors(
        full_name=full_name, date_of_birth=date_of_birth, sex=sex, national_id=national_id
    )
    bad = [c for c in categories or [] if c not in Category.values]
    if bad:
        errors["categories"] = [_("Unknown category: %(c)s.") % {"c": ", ".join(bad)}]
    if errors:
        raise InvalidData(fields=errors)
    existing = Person.objects.filter(national_id=national_id, rehab_only=False).first()
    if existing is not None:
        raise _duplicate_person(actor, existing)
    person = person_insert(
        actor=actor,
        event="person_create",
        commune=commune,
        national_id=national_id,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=sex,
        address=address,
        categories=categories,
        merit_subtype=merit_subtype,
    )
    if person is None:
        # Someone registered the same national ID a moment ago.
        raise _duplicate_person(
            actor, Person.objects.get(national_id=national_id, rehab_only=False)
        )
    return person


def _duplicate_person(actor: User, existing: Person) -> InvalidData:
    scope = scope_for(actor)
    visible = scope.sees_all_communes or existing.commune_id in scope.commune_ids
    if visible:
        msg = _("This national ID is already registered to %(name)s (record #%(id)s).") % {
            "name": existing.full_name,
            "id": existing.pk,
        }
    else:
        msg = _("This national ID is already registered in another commune.")
    return InvalidData(
        msg,
        fields={"national_id": [msg]},
        code="duplicate_national_id",
        extra={"existing_id": existing.pk if visible else None},
    )


def _document_refused(refusal: Refusal) -> InvalidData:
    return refused(
        refusal,
        type_message=_(
            "Only PDF, JPG, PNG or DOCX files are accepted, and the content must match "
            "the file name."
        ),
    )


def _no_documents_now() -> Exception:

    return TransitionNotAllowed(_("Documents cannot be added in the case's current state."))


def document_upload(*, actor: User, case: Case, kind: str, upload: Any) -> Document:
    """Attach a document. Type is checked by content (pdf, jpg, png, docx) and
    must agree with the file name; size is capped; a .docx is checked within
    the bounds of `cases.uploads` (zip bombs refused: file_unsafe); the SHA-256
    is stored."""
    roles = roles_for_case(actor, case)
    if not roles & (REHAB_COMMUNE_ROLES if case.process in SENSITIVE_PROCESSES else DOCUMENT_ROLES):
        raise NotPermitted(_("You cannot add documents to this case."))
    if not may_upload_document(actor, case):
        raise _no_documents_now()
    known = set(
        DocumentRequirement.objects.filter(
            process=case.process, program__in=["", getattr(case, "program", "")]
        ).values_list("kind", flat=True)
    )
    errors: dict[str, list[str]] = {}
    if kind not in known:
        errors["kind"] = [_("Unknown document kind.")]
    if upload is None:
        errors["file"] = [_("Choose a file to upload.")]
    if errors:
        raise InvalidData(fields=errors)
    size = upload.size
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise _document_refused(Refusal("file_too_large", "upload_size", size=size, limit=limit))
    if size == 0:
        raise InvalidData(fields={"file": [_("The file is empty.")]}, code="file_empty")
    blob = upload.read(limit + 1)
    if len(blob) > limit:
        raise _document_refused(
            Refusal("file_too_large", "upload_size", size=len(blob), limit=limit)
        )
    name = upload.name or "file"
    ext = EXTENSIONS.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None
    try:
        # Bounded: a .docx is a zip, checked for bombs before anything inflates.
        detected = sniff_document(blob)
    except Refusal as refusal:
        raise _document_refused(refusal) from None
    if ext != detected:
        raise _document_refused(Refusal("file_type", "name_mismatch"))
    digest = hashlib.sha256(blob).hexdigest()
    with transaction.atomic():
        # Re-read the state under the case lock (as the engine does): the caller's
        # object may be stale, e.g. approved a moment ago.
        state = Case.objects.select_for_update().filter(pk=case.pk).values_list("state", flat=True)
        if not may_upload_document(actor, case, state=state.get()):
            raise _no_documents_now()
        doc = Document(
            case=case,
            kind=kind,
            original_name=name[:255],
            content_type=SIGNATURES[detected][1],
            size=size,
            sha256=digest,
            uploaded_by=actor,
        )
        doc.file.save(name, ContentFile(blob), save=False)
        doc.save()
        audit.record(
            actor=actor,
            commune_id=case.commune_id,
            case_id=case.pk,
            object_type="cases.document",
            object_id=str(doc.pk),
            event="document_upload",
            data={"kind": kind, "name": name, "sha256": digest, "size": size},
        )
    return doc
