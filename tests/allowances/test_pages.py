"""The allowance pages as the office uses them: each role sees its communes
only (another commune's payroll, allowance or dossier is "not found"), the
buttons its step allows, and does its work through the pages: the officer
generates the month, the accountant records results and settles the unpaid
lines, the office head decides a dossier and transfers an allowance."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.allowances import services
from cases.allowances.lines import payroll_lines
from cases.allowances.models import (
    AllowanceCase,
    DecisionState,
    Entitlement,
    EntitlementState,
    LineState,
    Payroll,
    PayrollState,
)
from cases.demo.base import PDF
from cases.models import DocumentRequirement
from tests.allowances.helpers import approve
from tests.conftest import sign_in
from tests.factories import PersonFactory
from workflows.engine import transition

pytestmark = pytest.mark.django_db
D = dt.date
JUNE = D(2024, 6, 1)


def client_of(user: Any) -> Client:
    return sign_in(Client(), user)


@pytest.fixture
def month(
    staff: SimpleNamespace, people: SimpleNamespace, entitle: Any, communes: SimpleNamespace
) -> SimpleNamespace:
    """Two allowances in commune a and one in b, and each commune's June payroll."""
    ents = [
        entitle(people.a[0], "than_nhan_1_liet_si", D(2024, 1, 1)),
        entitle(people.a[1], "nct_80_khong_luong_huu", D(2024, 1, 1)),
        entitle(people.b[0], "than_nhan_1_liet_si", D(2024, 1, 1)),
    ]
    a = services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    b = services.payroll_generate(actor=staff.officer_b, commune=communes.b, month=JUNE)
    return SimpleNamespace(a=a, b=b, ents=ents)


def page(user: Any, name: str, **kwargs: Any) -> Any:
    return client_of(user).get(reverse(name, kwargs=kwargs or None))


def actions_on(response: Any) -> set[str]:
    html = response.content.decode()
    import re

    return set(re.findall(r'data-action="([a-z_]+)"', html))


def test_an_officer_of_another_commune_finds_neither_its_payroll_nor_allowance_nor_dossier(
    staff: SimpleNamespace, month: SimpleNamespace, communes: SimpleNamespace, rates: Any
) -> None:
    dossier = services.allowance_case_create(
        actor=staff.officer,
        commune=communes.a,
        applicant=month.ents[0].person,
        regime="bao_tro_xa_hoi",
        category=rates.cat["nct_80_khong_luong_huu"],
        requested_start_month=JUNE,
    )
    for name, pk in [
        ("payroll_detail", month.a.pk),
        ("payroll_results", month.a.pk),
        ("entitlement_detail", month.ents[0].pk),
        ("allowance_case_detail", dossier.pk),
    ]:
        assert page(staff.officer_b, name, pk=pk).status_code == 404, name
        assert page(staff.officer, name, pk=pk).status_code in (200, 403), name
    listed = page(staff.officer_b, "payroll_list").content.decode()
    assert reverse("payroll_detail", args=[month.b.pk]) in listed
    assert reverse("payroll_detail", args=[month.a.pk]) not in listed
    found = page(staff.officer_b, "entitlement_list").content.decode()
    assert month.ents[2].person.full_name in found
    assert month.ents[0].person.full_name not in found


def test_the_officer_generates_the_month_from_the_list_page(
    staff: SimpleNamespace, people: SimpleNamespace, entitle: Any, communes: SimpleNamespace
) -> None:
    entitle(people.a[0], "than_nhan_1_liet_si", D(2024, 1, 1))
    client = client_of(staff.officer)
    assert "Lập bảng lương tháng" in client.get(reverse("payroll_list")).content.decode()
    response = client.post(
        reverse("payroll_generate"), {"commune": communes.a.pk, "month": "07/2024"}
    )
    payroll = Payroll.objects.get(commune=communes.a, month=D(2024, 7, 1))
    assert response.status_code == 302
    assert response["Location"] == reverse("payroll_detail", args=[payroll.pk])
    assert payroll.line_count == 1 and payroll.generated_by == staff.officer
    shown = client.get(response["Location"]).content.decode()
    assert people.a[0].full_name in shown
    # A month not typed as mm/yyyy is refused beside its field, nothing generated.
    refused = client.post(reverse("payroll_generate"), {"commune": communes.a.pk, "month": "7"})
    assert refused.status_code == 400
    assert "mm/yyyy" in refused.content.decode()
    # The district specialist prepares no payroll: no form, and the post is refused.
    assert "Lập bảng lương tháng" not in page(staff.specialist, "payroll_list").content.decode()
    assert (
        client_of(staff.specialist)
        .post(reverse("payroll_generate"), {"commune": communes.a.pk, "month": "08/2024"})
        .status_code
        == 403
    )


def test_the_generate_form_offers_the_month_after_the_commune_s_last_payroll(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    """June is generated: July is the month still to prepare (not today's month)."""
    form = page(staff.officer, "payroll_list").context["generate_form"]
    assert form["month"].value() == D(2024, 7, 1)
    assert 'value="07/2024"' in str(form["month"])


def test_a_commune_without_any_payroll_is_offered_this_month(
    staff: SimpleNamespace, communes: SimpleNamespace
) -> None:
    form = page(staff.officer, "payroll_list").context["generate_form"]
    assert form["month"].value() == timezone.localdate().replace(day=1)


def test_each_role_sees_the_buttons_of_its_own_step(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    payroll = month.a
    officer = page(staff.officer, "payroll_detail", pk=payroll.pk)
    assert actions_on(officer) == {"submit"}
    assert 'data-testid="regenerate"' in officer.content.decode()
    assert actions_on(page(staff.specialist, "payroll_detail", pk=payroll.pk)) == set()
    assert actions_on(page(staff.auditor, "payroll_detail", pk=payroll.pk)) == set()
    transition(payroll, "submit", actor=staff.officer)
    specialist = page(staff.specialist, "payroll_detail", pk=payroll.pk)
    assert actions_on(specialist) == {"review", "return_for_correction"}
    assert 'data-testid="regenerate"' not in specialist.content.decode()
    assert actions_on(page(staff.head, "payroll_detail", pk=payroll.pk)) == set()
    transition(payroll, "review", actor=staff.specialist)
    assert actions_on(page(staff.head, "payroll_detail", pk=payroll.pk)) == {
        "approve",
        "return_for_correction",
    }


def test_the_reviewer_reads_what_changed_since_last_month(
    staff: SimpleNamespace,
    month: SimpleNamespace,
    people: SimpleNamespace,
    entitle: Any,
    communes: SimpleNamespace,
) -> None:
    # A late decision: June is owed, and paid in July as arrears.
    entitle(people.a[2], "than_nhan_1_liet_si", D(2024, 6, 1), arrears_from=D(2024, 6, 1))
    july = services.payroll_generate(actor=staff.officer, commune=communes.a, month=D(2024, 7, 1))
    html = page(staff.specialist, "payroll_detail", pk=july.pk).content.decode()
    assert "So với bảng lương tháng 06/2024 của xã." in html
    assert 'data-change="new"' in html and 'data-change="arrears"' in html
    assert people.a[2].full_name in html


def test_the_accountant_records_results_and_settles_the_unpaid_lines(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    payroll = approve(month.a, staff)
    transition(payroll, "send", actor=staff.accountant)
    accountant = client_of(staff.accountant)
    detail = accountant.get(reverse("payroll_detail", args=[payroll.pk])).content.decode()
    assert reverse("payroll_results", args=[payroll.pk]) in detail
    assert page(staff.officer, "payroll_results", pk=payroll.pk).status_code == 403
    first, second = payroll_lines(payroll).order_by("id").values_list("pk", flat=True)
    record = reverse("payroll_results_record", args=[payroll.pk])
    response = accountant.post(
        record, {"outcome": "unpaid", "reason": "not_collected", "lines": [second]}
    )
    assert response.status_code == 302
    response = accountant.post(record, {"all": "1", "paid_on": "10/06/2024"})
    assert response.status_code == 302
    lines = payroll_lines(payroll)
    assert lines.get(pk=first).state == LineState.PAID
    assert lines.get(pk=first).paid_on == D(2024, 6, 10)
    assert lines.get(pk=second).state == LineState.UNPAID
    unpaid = accountant.get(reverse("payroll_results", args=[payroll.pk]) + "?state=unpaid")
    assert 'data-testid="settle"' in unpaid.content.decode()
    settle = reverse("payroll_unpaid_settle", args=[payroll.pk])
    assert accountant.post(settle, {"how": "carry"}).status_code == 400  # nothing selected
    assert accountant.post(settle, {"how": "carry", "lines": [second]}).status_code == 302
    assert lines.get(pk=second).state == LineState.CARRIED
    transition(payroll, "reconcile", actor=staff.accountant)
    transition(payroll, "close", actor=staff.head)
    payroll.refresh_from_db()
    assert payroll.state == PayrollState.CLOSED and payroll.paid_count == 1


def test_the_allowance_page_says_who_approved_sent_and_paid_each_line(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    from tests.allowances.helpers import pay_all

    pay_all(approve(month.a, staff), staff)
    ent = month.ents[0]
    html = page(staff.officer, "entitlement_detail", pk=ent.pk).content.decode()
    assert 'data-testid="person-lines"' in html
    assert "Duyệt cùng bảng lương: Thử head" in html
    assert "Ghi nhận đã chi: Thử accountant" in html
    assert "06/2024" in html


def test_the_office_head_transfers_an_allowance_choosing_the_commune_from_a_list(
    staff: SimpleNamespace, month: SimpleNamespace, communes: SimpleNamespace
) -> None:
    ent = month.ents[0]
    head = client_of(staff.head)
    html = head.get(reverse("entitlement_detail", args=[ent.pk])).content.decode()
    assert '<select name="to_commune"' in html and "Minh Trí" in html
    assert 'data-action="replace"' not in html
    assert actions_on(page(staff.officer, "entitlement_detail", pk=ent.pk)) == set()
    response = head.post(
        reverse("entitlement_transition", args=[ent.pk, "transfer"]),
        {
            "to_commune": communes.b.pk,
            "from_month": "08/2024",
            "reason": "Chuyển hộ khẩu",
            "expected_state": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ent.refresh_from_db()
    assert ent.state == EntitlementState.ENDED and ent.end_month == D(2024, 7, 1)
    moved = Entitlement.objects.get(previous=ent)
    assert moved.commune_id == communes.b.pk and moved.start_month == D(2024, 8, 1)


def test_resume_offers_the_month_as_mm_yyyy(staff: SimpleNamespace, month: SimpleNamespace) -> None:
    ent = month.ents[1]
    transition(
        ent, "suspend", actor=staff.head, data={"from_month": "07/2024"}, reason="Không nhận"
    )
    html = page(staff.head, "entitlement_detail", pk=ent.pk).content.decode()
    this_month = dt.date.today().strftime("%m/%Y")
    assert f'name="resume_month" value="{this_month}"' in html


def test_a_dossier_goes_from_the_officer_to_the_head_s_decision_through_the_pages(
    staff: SimpleNamespace, people: SimpleNamespace, communes: SimpleNamespace, rates: Any,
    settings: Any, tmp_path: Any,
) -> None:  # fmt: skip
    settings.MEDIA_ROOT = str(tmp_path)
    DocumentRequirement.objects.create(
        process="allowance", program="nguoi_co_cong", kind="giay_bao_tu", label="Giấy báo tử",
        required=True,
    )  # fmt: skip
    person = people.a[2]
    officer = client_of(staff.officer)
    form = officer.get(reverse("allowance_case_create")).content.decode()
    assert 'data-regime="nguoi_co_cong"' in form
    response = officer.post(
        reverse("allowance_case_create"),
        {
            "commune": communes.a.pk,
            "national_id": person.national_id,
            "regime": "nguoi_co_cong",
            "category": rates.cat["than_nhan_1_liet_si"].pk,
            "requested_start_month": "05/2024",
            "payment_method": "post",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = AllowanceCase.objects.get(applicant=person)
    assert response["Location"] == reverse("allowance_case_detail", args=[case.pk])
    assert page(staff.officer_b, "allowance_case_detail", pk=case.pk).status_code == 404
    upload = officer.post(
        reverse("allowance_case_document_upload", args=[case.pk]),
        {"file_giay_bao_tu": SimpleUploadedFile("bao-tu.pdf", PDF, "application/pdf")},
    )
    assert upload.status_code == 302
    assert (
        officer.get(
            reverse("allowance_case_document_download", args=[case.pk, case.documents.get().pk])
        ).status_code
        == 200
    )  # noqa: E501

    def fire(user: Any, name: str, **data: Any) -> None:
        case.refresh_from_db()
        r = client_of(user).post(
            reverse("allowance_case_transition", args=[case.pk, name]),
            {"expected_state": case.state, **data},
        )
        assert r.status_code == 302, r.content.decode()[:3000]

    fire(staff.officer, "submit")
    assert actions_on(page(staff.officer, "allowance_case_detail", pk=case.pk)) == set()
    fire(staff.leader, "confirm")
    fire(staff.specialist, "review")
    fire(staff.head, "decide", decision_number="123/QĐ-UBND", decision_date="01/06/2024",
         start_month="06/2024")  # fmt: skip
    case.refresh_from_db()
    assert case.state == DecisionState.DECIDED
    ent = Entitlement.objects.get(case=case)
    assert ent.start_month == JUNE and ent.commune_id == communes.a.pk
    html = page(staff.officer, "allowance_case_detail", pk=case.pk).content.decode()
    assert reverse("entitlement_detail", args=[ent.pk]) in html


def test_a_change_of_category_is_opened_from_the_allowance_page(
    staff: SimpleNamespace, month: SimpleNamespace, rates: Any
) -> None:
    ent = month.ents[1]
    html = page(staff.officer, "entitlement_detail", pk=ent.pk).content.decode()
    link = reverse("allowance_case_create") + f"?replaces={ent.pk}"
    assert link in html
    officer = client_of(staff.officer)
    form = officer.get(link).content.decode()
    assert ent.person.national_id in form
    response = officer.post(
        link,
        {
            "replaces": ent.pk,
            "commune": ent.commune_id,
            "national_id": ent.person.national_id,
            "regime": "bao_tro_xa_hoi",
            "category": rates.cat["nkt_dac_biet_nang"].pk,
            "requested_start_month": "09/2024",
            "payment_method": "post",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = AllowanceCase.objects.get(replaces=ent)
    assert case.kind == "change"
    # The officer of the other commune cannot open a change of this allowance.
    assert page(staff.officer_b, "allowance_case_create").status_code == 200
    other = client_of(staff.officer_b).get(link)
    assert other.status_code == 404


def test_allowances_are_found_by_name_without_diacritics_and_by_national_id(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    import unicodedata

    person = month.ents[0].person

    def fold(text: str) -> str:
        plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
        return "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()

    url = reverse("entitlement_list")
    client = client_of(staff.specialist)
    by_name = client.get(url, {"q": fold(person.full_name)}).content.decode()
    by_id = client.get(url, {"q": person.national_id}).content.decode()
    assert person.full_name in by_name and person.full_name in by_id
    assert month.ents[2].person.full_name not in by_id


def test_the_accountant_imports_the_results_file_and_sees_the_refused_rows_first(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    payroll = approve(month.a, staff)
    transition(payroll, "send", actor=staff.accountant)
    first, second = payroll_lines(payroll).order_by("id").values_list("pk", flat=True)
    url = reverse("payroll_results_import", args=[payroll.pk])
    accountant = client_of(staff.accountant)
    assert accountant.get(url).status_code == 200
    assert page(staff.officer, "payroll_results_import", pk=payroll.pk).status_code == 403

    def upload(text: str) -> Any:
        data = SimpleUploadedFile("ket-qua.csv", text.encode(), "text/csv")
        return accountant.post(url, {"file": data})

    wrong = upload(
        f"Mã dòng,Kết quả,Ngày chi,Lý do\n{first},Đã chi,10/06/2024,\n{second},Chưa rõ,,\n"
    )
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert 'data-testid="import-errors"' in html and "Chưa rõ" in html
    assert not payroll_lines(payroll).filter(state=LineState.PAID).exists()
    done = upload(
        f"Mã dòng,Kết quả,Ngày chi,Lý do\n{first},Đã chi,10/06/2024,\n{second},Chưa chi,,Vắng nhà\n"
    )
    assert done.status_code == 302 and done["Location"] == reverse(
        "payroll_results", args=[payroll.pk]
    )
    assert payroll_lines(payroll).get(pk=first).state == LineState.PAID
    assert payroll_lines(payroll).get(pk=second).unpaid_reason == "absent"


def test_the_payroll_documents_are_offered_once_the_payroll_may_be_printed_so(
    staff: SimpleNamespace, month: SimpleNamespace
) -> None:
    payroll = month.a
    post_office = reverse("payroll_document_download", args=[payroll.pk, "post_office_list"])
    html = page(staff.officer, "payroll_detail", pk=payroll.pk).content.decode()
    assert post_office not in html  # a draft: not yet to be paid
    assert client_of(staff.officer).get(post_office).status_code == 409
    approve(payroll, staff)
    html = page(staff.accountant, "payroll_detail", pk=payroll.pk).content.decode()
    assert post_office in html
    response = client_of(staff.accountant).get(post_office)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="danh-sach-chi-tra')
    assert client_of(staff.officer_b).get(post_office).status_code == 404
    summary = client_of(staff.head).get(reverse("payroll_summary_xlsx"), {"month": "06/2024"})
    assert summary.status_code == 200 and summary.content[:2] == b"PK"


def test_the_payroll_page_reads_a_fixed_number_of_queries_whatever_its_lines(
    staff: SimpleNamespace,
    month: SimpleNamespace,
    people: SimpleNamespace,
    entitle: Any,
    communes: SimpleNamespace,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(staff.specialist)
    url = reverse("payroll_detail", args=[month.a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for person in [*people.a[2:], *(PersonFactory(commune=communes.a) for _ in range(30))]:
        entitle(person, "than_nhan_1_liet_si", D(2024, 1, 1))
    services.payroll_generate(actor=staff.officer, commune=communes.a, month=JUNE)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    # session, user, scope, payroll, count, ids, rows, previous payroll, differences,
    # deadline, totals, timeline, unread notifications
    assert len(many) <= 13


def test_a_payrolls_task_is_named_linked_and_placed_in_the_queue(
    month: SimpleNamespace, staff: SimpleNamespace
) -> None:
    transition(month.a, "submit", actor=staff.officer)
    html = client_of(staff.specialist).get(reverse("queue")).content.decode()
    at = html.index('data-testid="task-object"')
    row = html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]
    assert reverse("payroll_detail", args=[month.a.pk]) in row
    assert month.a.reference in row
    assert "Bảng lương trợ cấp hằng tháng" in row
    assert month.a.commune.name in row
    assert "Đã trình thẩm định" in row
    # The officer of commune b does not see commune a's payroll in the queue.
    assert (
        month.a.reference not in client_of(staff.officer_b).get(reverse("queue")).content.decode()
    )
