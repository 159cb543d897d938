"""Writes to the registry and to case records (other than their state).

State changes are not here: they go through `workflows.engine.transition`."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    AdministrativeUnit,
    Case,
    Category,
    Document,
    DocumentRequirement,
    Person,
    PersonAddress,
)
from cases.uploads.documents import EXTENSIONS, SIGNATURES, sniff_document
from cases.uploads.refusals import Refusal, refused
from cases.validators import national_id_errors
from workflows import audit
from workflows.actors import User
from workflows.exceptions import InvalidData, NotPermitted, TransitionNotAllowed
from workflows.permissions import (
    REHAB_COMMUNE_ROLES,
    SENSITIVE_PROCESSES,
    document_roles,
    may_manage_registry,
    may_upload_document,
    roles_for_case,
    scope_for,
)
from workflows.text import clean_text


def person_errors(
    *, full_name: str, date_of_birth: dt.date | None, sex: str, national_id: str
) -> dict[str, list[str]]:
    """What is wrong with a person's identity fields (the same rules for every registry)."""
    errors: dict[str, list[str]] = {}
    if not clean_text(full_name or ""):  # zero-width characters alone are no name
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
    village: str = "",
    categories: list[str] | None = None,
    merit_subtype: str = "",
    rehab_only: bool = False,
    actor_role: str = "",
) -> Person | None:
    """The one way a person enters a registry: the row, the first line of
    their address history and the audit event in one transaction. None when
    the same national ID entered that registry a moment ago (the caller says
    what that means). Checks are the caller's."""
    try:
        with transaction.atomic():
            person = Person.objects.create(
                full_name=full_name.strip(),
                date_of_birth=date_of_birth,
                sex=sex,
                national_id=national_id,
                commune=commune,
                address=address,
                village=village,
                categories=list(categories or []),
                merit_subtype=merit_subtype,
                rehab_only=rehab_only,
            )
            PersonAddress.objects.create(
                person=person,
                commune=commune,
                village=village,
                address=address,
                since=timezone.localdate(),
                reason=PersonAddress.Reason.REGISTERED,
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
    village: str = "",
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
        village=village,
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


@dataclass(frozen=True)
class DocumentFile:
    """One file of an upload: its document kind, the uploaded file, and the
    fields its refusals are reported on (the caller's form or API fields)."""

    kind: str
    upload: Any
    field: str = "file"
    kind_field: str = "kind"


@dataclass(frozen=True)
class _CheckedFile:
    item: DocumentFile
    name: str
    size: int
    content_type: str
    sha256: str


def _check_document_file(item: DocumentFile, known: set[str]) -> _CheckedFile:
    """Every check of one file, before anything is stored: its kind, size, type
    by content agreeing with the name, and a .docx's bounds (zip bombs refused:
    file_unsafe). Refusals are `InvalidData` on the item's fields."""
    upload = item.upload
    errors: dict[str, list[str]] = {}
    if item.kind not in known:
        errors[item.kind_field] = [_("Unknown document kind.")]
    if upload is None:
        errors.setdefault(item.field, []).append(_("Choose a file to upload."))
    if errors:
        raise InvalidData(fields=errors)
    size = upload.size
    limit = settings.MAX_UPLOAD_BYTES
    if size > limit:
        raise _document_refused(Refusal("file_too_large", "upload_size", size=size, limit=limit))
    if size == 0:
        raise InvalidData(fields={"file": [_("The file is empty.")]}, code="file_empty")
    upload.seek(0)
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
    return _CheckedFile(
        item=item,
        name=name,
        size=size,
        content_type=SIGNATURES[detected][1],
        sha256=hashlib.sha256(blob).hexdigest(),
    )


def _on_fields(exc: InvalidData, item: DocumentFile) -> dict[str, list[str]]:
    """A refusal's messages on the item's own fields ("file" and "kind" are
    the names the checks use)."""
    rename = {"file": item.field, "kind": item.kind_field}
    fields: dict[str, list[str]] = {}
    for name, messages in exc.fields.items():
        fields.setdefault(rename.get(name, name), []).extend(str(m) for m in messages)
    return fields


def documents_upload(*, actor: User, case: Case, files: list[DocumentFile]) -> list[Document]:
    """Attach several documents at once, all or nothing. Every file is checked
    first (see `_check_document_file`); one refused file refuses the lot, each
    refusal on its own file's field, and nothing is stored. Then, under the
    case's lock (the state re-read, as the engine does), one Document and one
    audit event per file; a failure while storing removes the files already
    written, so nothing is left half-stored."""
    roles = roles_for_case(actor, case)
    sensitive = case.process in SENSITIVE_PROCESSES
    if not roles & (REHAB_COMMUNE_ROLES if sensitive else document_roles(case.commune_id)):
        raise NotPermitted(_("You cannot add documents to this case."))
    if not may_upload_document(actor, case):
        raise _no_documents_now()
    if not files:
        message = _("Choose at least one file to upload.")
        raise InvalidData(message, fields={"file": [message]}, code="no_file")
    known = set(
        DocumentRequirement.objects.filter(
            process=case.process, program__in=["", getattr(case, "program", "")]
        ).values_list("kind", flat=True)
    )
    checked: list[_CheckedFile] = []
    refusals: list[tuple[DocumentFile, InvalidData]] = []
    for item in files:
        try:
            checked.append(_check_document_file(item, known))
        except InvalidData as exc:
            refusals.append((item, exc))
    if refusals:
        raise _upload_refused(refusals, total=len(files))
    return _documents_store(actor=actor, case=case, checked=checked)


def _upload_refused(refusals: list[tuple[DocumentFile, InvalidData]], *, total: int) -> InvalidData:
    fields: dict[str, list[str]] = {}
    for item, exc in refusals:
        for name, messages in _on_fields(exc, item).items():
            fields.setdefault(name, []).extend(messages)
    if total == 1:
        only = refusals[0][1]
        return InvalidData(only.message, fields=fields, code=only.code, extra=only.extra)
    codes = {exc.code for _item, exc in refusals}
    return InvalidData(
        _("Nothing was stored: %(refused)s of the %(total)s files were refused.")
        % {"refused": len(refusals), "total": total},
        fields=fields,
        code=codes.pop() if len(codes) == 1 else InvalidData.code,
    )


def _documents_store(*, actor: User, case: Case, checked: list[_CheckedFile]) -> list[Document]:
    written: list[Document] = []
    try:
        with transaction.atomic():
            # Re-read the state under the case lock (as the engine does): the
            # caller's object may be stale, e.g. approved a moment ago.
            state = (
                Case.objects.select_for_update().filter(pk=case.pk).values_list("state", flat=True)
            )
            if not may_upload_document(actor, case, state=state.get()):
                raise _no_documents_now()
            for c in checked:
                doc = Document(
                    case=case,
                    kind=c.item.kind,
                    original_name=c.name[:255],
                    content_type=c.content_type,
                    size=c.size,
                    sha256=c.sha256,
                    uploaded_by=actor,
                )
                c.item.upload.seek(0)
                doc.file.save(c.name, File(c.item.upload), save=False)
                written.append(doc)
                doc.save()
                audit.record(
                    actor=actor,
                    commune_id=case.commune_id,
                    case_id=case.pk,
                    object_type="cases.document",
                    object_id=str(doc.pk),
                    event="document_upload",
                    data={"kind": c.item.kind, "name": c.name, "sha256": c.sha256, "size": c.size},
                )
    except BaseException:
        for doc in written:
            if doc.file.name:
                doc.file.storage.delete(doc.file.name)
        raise
    return written


def document_upload(*, actor: User, case: Case, kind: str, upload: Any) -> Document:
    """Attach one document: `documents_upload` with a single file, its
    refusals on the fields "kind" and "file"."""
    (doc,) = documents_upload(actor=actor, case=case, files=[DocumentFile(kind, upload)])
    return doc
