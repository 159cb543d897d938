"""Vietnamese alphabetical order (the ICU collation vi-x-icu on the name
columns): Đ after D and before E, "Tạ" before "Trịnh", "Tân …" before
"Trung Giã" — in the people list, the commune dropdowns and an export."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from cases.gifts.models import Campaign, GiftList, GiftPackage, GiftRecipient
from cases.models import AdministrativeUnit, Category, Person
from tests.factories import CommuneFactory, PersonFactory

pytestmark = pytest.mark.django_db

# In Vietnamese order; byte order (C collation) would put "Đỗ" last and "Tạ"
# after "Trịnh".
PEOPLE = [
    "Dương Thị Mai",
    "Đỗ Văn Hải",
    "Em Thị Út",
    "Tạ Thị Lan",
    "Trần Văn An",
    "Trịnh Văn Bảo",
]
COMMUNES = ["Đông Xuân", "Tân Minh", "Tân Hưng", "Trung Giã", "Tiên Dược", "Đức Hòa"]
COMMUNES_IN_ORDER = ["Đông Xuân", "Đức Hòa", "Tân Hưng", "Tân Minh", "Tiên Dược", "Trung Giã"]


def test_the_name_columns_carry_the_vietnamese_collation():
    for model, field in ((Person, "full_name"), (AdministrativeUnit, "name")):
        with connection.cursor() as cur:
            cur.execute(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = %s",
                [model._meta.db_table, field],
            )
            assert cur.fetchone()[0] == "vi-x-icu"


def test_the_people_list_is_in_vietnamese_order(users, communes, api):
    for name in reversed(PEOPLE):
        PersonFactory(commune=communes.a, full_name=name)
    found = api(users.officer).get(reverse("api-people"), {"page_size": 100}).json()["results"]
    names = [p["full_name"] for p in found if p["full_name"] in PEOPLE]
    assert names == PEOPLE


def _options(html: str, select_name: str) -> list[str]:
    select = re.search(rf'<select name="{select_name}".*?</select>', html, re.S)
    assert select is not None, select_name
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select[0])]


def test_the_commune_dropdowns_are_in_vietnamese_order(users, client_for, api):
    for name in COMMUNES:
        CommuneFactory(name=name)
    html = client_for(users.specialist).get(reverse("case_list")).content.decode()
    labels = [o.removeprefix("Xã ") for o in _options(html, "commune")]
    assert [o for o in labels if o in COMMUNES] == COMMUNES_IN_ORDER
    html = client_for(users.auditor).get(reverse("audit_explorer")).content.decode()
    labels = [o.removeprefix("Xã ") for o in _options(html, "commune")]
    assert [o for o in labels if o in COMMUNES] == COMMUNES_IN_ORDER
    found = api(users.specialist).get(reverse("api-communes"), {"page_size": 500}).json()
    rows = found["results"] if isinstance(found, dict) else found
    assert [c["name"] for c in rows if c["name"] in COMMUNES] == COMMUNES_IN_ORDER


def test_the_signature_list_export_is_in_vietnamese_order(users, communes, client_for):
    campaign = Campaign.objects.create(
        code="tet-vi", name="Tết 2025", year=2025, occasion_date=dt.date(2025, 1, 28)
    )
    package = GiftPackage.objects.create(
        campaign=campaign, code="tp", name="Quà Thành phố", source="city", amount=500_000
    )
    gift_list = GiftList.objects.create(
        campaign=campaign, commune=communes.a, created_by=users.officer, state="approved"
    )
    GiftRecipient.objects.bulk_create(
        GiftRecipient(
            gift_list=gift_list,
            package=package,
            commune=communes.a,
            person=PersonFactory(commune=communes.a, full_name=name, categories=[Category.POOR]),
            amount=package.amount,
            state="approved",
        )
        for name in reversed(PEOPLE)
    )
    url = reverse("gift_list_signature_xlsx", kwargs={"pk": gift_list.pk})
    response = client_for(users.officer).get(url)
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.getvalue())).active
    names = [row[1] for row in ws.iter_rows(values_only=True) if row[1] in PEOPLE]
    assert names == PEOPLE
