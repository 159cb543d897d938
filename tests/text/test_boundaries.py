"""Text in, NFC out: a name typed or pasted in decomposed Unicode, with
non-breaking spaces and zero-width characters, is stored clean through the web
form, the API, the admin, the ORM's bulk paths and the engine's reasons, and
is then found by "Hường"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from cases.housing.models import HousingCase, HousingState
from cases.models import AdministrativeUnit, Person
from tests.factories import PersonFactory, national_id_for
from workflows import audit, engine
from workflows.models import AuditEvent
from workflows.text import clean_stored_text

from .conftest import NAME, NAME_MESSY, NAME_NFD

pytestmark = pytest.mark.django_db
BORN = dt.date(1951, 3, 2)
ADDRESS_MESSY = " Thôn\u00a0Đoài,\u200b  xã Phù\u2009Lỗ "
ADDRESS = "Thôn Đoài, xã Phù Lỗ"


def test_a_person_registered_in_the_web_form_is_stored_clean_and_found_by_name(
    users, communes, client_for, api
):
    nid = national_id_for(BORN, "F")
    response = client_for(users.officer).post(
        reverse("person_create"),
        {
            "full_name": NAME_MESSY,
            "date_of_birth": "02/03/1951",
            "sex": "F",
            "national_id": nid,
            "commune": communes.a.pk,
            "address": ADDRESS_MESSY,
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    person = Person.objects.get(national_id=nid)
    assert (person.full_name, person.address) == (NAME, ADDRESS)
    found = api(users.officer).get(reverse("api-people"), {"q": "Hường"}).json()
    assert [p["id"] for p in found["results"]] == [person.pk]


def test_a_person_registered_through_the_api_is_stored_clean(users, communes, api):
    nid = national_id_for(BORN, "F")
    response = api(users.officer).post(
        reverse("api-people"),
        {
            "full_name": NAME_MESSY,
            "date_of_birth": BORN.isoformat(),
            "sex": "F",
            "national_id": nid,
            "commune": communes.a.code,
            "address": ADDRESS_MESSY,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["full_name"], response.json()["address"]) == (NAME, ADDRESS)
    stored = Person.objects.get(national_id=nid)
    assert (stored.full_name, stored.address) == (NAME, ADDRESS)


def test_a_name_of_zero_width_characters_only_is_refused_as_empty(users, communes, api):
    response = api(users.officer).post(
        reverse("api-people"),
        {
            "full_name": "\u200b\ufeff\u00a0",
            "date_of_birth": BORN.isoformat(),
            "sex": "F",
            "national_id": national_id_for(BORN, "F"),
            "commune": communes.a.code,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "full_name" in response.json()["fields"]
    assert not Person.objects.filter(date_of_birth=BORN).exists()


def test_a_commune_renamed_in_the_admin_is_stored_clean(admin_client, communes):
    unit = communes.a
    url = reverse("admin:cases_administrativeunit_change", args=[unit.pk])
    response = admin_client.post(
        url,
        {
            "code": unit.code,
            "name": NAME_MESSY,
            "level": unit.level,
            "kind": unit.kind,
            "parent": unit.parent_id,
            "valid_from": "",
            "valid_to": "",
            "successor": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    unit.refresh_from_db()
    assert unit.name == NAME


def test_every_orm_write_path_stores_clean_text(communes):
    created = PersonFactory(commune=communes.a, full_name=NAME_MESSY, address=ADDRESS_MESSY)
    assert created.full_name == NAME  # the instance too, not only the row
    bulk = Person.objects.bulk_create(
        [PersonFactory.build(commune=communes.a, full_name=NAME_NFD, address="\u200b")]
    )[0]
    Person.objects.filter(pk=created.pk).update(address=ADDRESS_MESSY.replace("Lỗ", "Lộc"))
    rows = dict(Person.objects.filter(pk__in=[created.pk, bulk.pk]).values_list("pk", "address"))
    assert rows == {created.pk: ADDRESS.replace("Lỗ", "Lộc"), bulk.pk: ""}
    assert Person.objects.get(pk=bulk.pk).full_name == NAME
    # An exact lookup with a messy value finds what was stored.
    assert Person.objects.filter(full_name=NAME_MESSY).count() == 2


def test_full_clean_and_model_forms_clean_before_checking_length(communes):
    person = PersonFactory.build(commune=communes.a, full_name=NAME_MESSY + " " * 200)
    person.full_clean(exclude=["national_id"])
    assert person.full_name == NAME


def test_a_reason_typed_with_nbsp_and_nfd_is_cleaned_before_the_audit_hash(
    make_case, users, client_for
):
    case = make_case(HousingState.SUBMITTED)
    messy = "Thiếu\u00a0giấy tờ\u200b  " + NAME_NFD + "\r\n\r\n\r\nBổ sung\u3000sau "
    response = client_for(users.leader).post(
        reverse("case_transition", args=[case.pk, "return_for_correction"]),
        {"reason": messy, "expected_state": case.state},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(case_id=case.pk, transition="return_for_correction").get()
    assert event.reason == f"Thiếu giấy tờ {NAME}\n\nBổ sung sau"
    assert audit.verify().ok


def test_a_reason_given_to_the_engine_directly_is_cleaned_too(make_case, users):
    case = make_case(HousingState.SUBMITTED)
    event = engine.transition(
        case, "return_for_correction", actor=users.leader, reason=" \u200bHồ sơ\u00a0thiếu "
    )
    assert AuditEvent.objects.get(pk=event.pk).reason == "Hồ sơ thiếu"
    assert audit.verify().ok


def test_a_decision_number_set_by_a_transition_form_is_stored_clean(make_case):
    case = make_case(HousingState.APPROVED)
    stored = HousingCase.objects.get(pk=case.pk)
    assert stored.decision_number == stored.decision_number.strip()
    HousingCase.objects.filter(pk=case.pk).update(decision_number="\u00a012/QĐ\u200b-UBND ")
    assert HousingCase.objects.get(pk=case.pk).decision_number == "12/QĐ-UBND"


def test_the_data_migration_cleans_what_is_already_stored(communes):
    person = PersonFactory(commune=communes.a)
    spare = PersonFactory(commune=communes.a)
    with connection.cursor() as cur:
        # As rows written before this change look: straight SQL, no field cleaning.
        cur.execute(
            "UPDATE cases_person SET full_name = %s, address = %s WHERE id = %s",
            [NAME_MESSY, ADDRESS_MESSY, person.pk],
        )
        cur.execute("UPDATE cases_person SET address = %s WHERE id = %s", ["\u00a0", spare.pk])
        cur.execute(
            "UPDATE cases_administrativeunit SET name = %s WHERE id = %s", [NAME_NFD, communes.b.pk]
        )
    from django.apps import apps

    with connection.schema_editor(atomic=False) as editor:
        clean_stored_text(apps, editor, "cases")
    person.refresh_from_db()
    spare.refresh_from_db()
    assert (person.full_name, person.address) == (NAME, ADDRESS)
    assert spare.address == "\u00a0"  # never emptied by the migration (checks may need it)
    assert AdministrativeUnit.objects.get(pk=communes.b.pk).name == NAME
