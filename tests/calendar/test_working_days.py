"""Working-day arithmetic: Tết, weekends, the government's day swaps and the
office's own days off and make-up Saturdays."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from workflows.calendar import (
    OutsideCalendar,
    WorkingCalendar,
    add_working_days,
    is_working_day,
    working_days_between,
)
from workflows.models import MakeUpWorkday, OfficeDayOff

D = dt.date
pytestmark = pytest.mark.django_db


def test_five_working_days_from_7_february_2024_skip_tet_giap_thin() -> None:
    # The holidays package gives Tết Giáp Thìn as Thu 08/02 (29 Tết) to
    # Wed 14/02/2024 (mùng năm, in lieu of the weekend): seven days off in a
    # row. From Wed 07/02 the count restarts on Thu 15/02 (1), Fri 16/02 (2),
    # Mon 19/02 (3), Tue 20/02 (4), Wed 21/02 (5).
    tet = [D(2024, 2, 8) + dt.timedelta(days=i) for i in range(7)]
    assert [is_working_day(d) for d in tet] == [False] * 7
    assert add_working_days(D(2024, 2, 7), 5) == D(2024, 2, 21)


def test_a_dossier_received_on_friday_with_a_one_day_limit_is_due_on_monday() -> None:
    assert add_working_days(D(2024, 3, 8), 1) == D(2024, 3, 11)


def test_a_dossier_received_on_saturday_counts_from_monday() -> None:
    assert add_working_days(D(2024, 3, 9), 1) == D(2024, 3, 11)
    assert add_working_days(D(2024, 3, 9), 2) == D(2024, 3, 12)


def test_zero_working_days_is_the_start_date_itself() -> None:
    assert add_working_days(D(2024, 3, 9), 0) == D(2024, 3, 9)


def test_negative_days_count_back_over_tet() -> None:
    assert add_working_days(D(2024, 2, 15), -1) == D(2024, 2, 7)
    assert add_working_days(D(2024, 2, 19), -3) == D(2024, 2, 7)


def test_an_office_declared_make_up_saturday_is_a_working_day() -> None:
    MakeUpWorkday.objects.create(date=D(2024, 3, 9), reason="Làm bù cho ngày 29/03")
    assert is_working_day(D(2024, 3, 9))
    assert add_working_days(D(2024, 3, 8), 1) == D(2024, 3, 9)
    assert working_days_between(D(2024, 3, 8), D(2024, 3, 11)) == 2


def test_an_office_day_off_is_not_a_working_day() -> None:
    OfficeDayOff.objects.create(date=D(2024, 3, 15), reason="Tổng vệ sinh trụ sở")
    assert not is_working_day(D(2024, 3, 15))
    assert add_working_days(D(2024, 3, 14), 1) == D(2024, 3, 18)


def test_the_governments_2024_day_swap_comes_from_the_holidays_package() -> None:
    # Công văn 2450/VPCP-KGVX: Mon 29/04/2024 off, worked on Sat 04/05/2024.
    assert not is_working_day(D(2024, 4, 29))
    assert is_working_day(D(2024, 5, 4))
    assert add_working_days(D(2024, 4, 26), 1) == D(2024, 5, 2)  # 29/04-01/05 off
    assert add_working_days(D(2024, 5, 3), 1) == D(2024, 5, 4)


def test_a_date_cannot_be_both_an_office_day_off_and_a_make_up_day() -> None:
    OfficeDayOff.objects.create(date=D(2024, 3, 9), reason="Nghỉ")
    with pytest.raises(ValidationError) as error:
        MakeUpWorkday(date=D(2024, 3, 9), reason="Làm bù").full_clean()
    assert "date" in error.value.message_dict


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        (D(2024, 2, 7), D(2024, 2, 21), 5),
        (D(2024, 3, 8), D(2024, 3, 11), 1),  # Friday to Monday
        (D(2024, 3, 9), D(2024, 3, 10), 0),  # a weekend
        (D(2024, 3, 11), D(2024, 3, 11), 0),
        (D(2024, 1, 1), D(2024, 12, 31), 251),  # 01/01 is a holiday
    ],
)
def test_working_days_between_is_antisymmetric_and_inverts_add(
    a: dt.date, b: dt.date, days: int
) -> None:
    assert working_days_between(a, b) == days
    assert working_days_between(b, a) == -days
    if days and is_working_day(b):
        assert add_working_days(a, days) == b
    if days and is_working_day(a) and is_working_day(b):
        assert add_working_days(b, -days) == a


def test_2024_has_251_working_days() -> None:
    # 262 weekdays, minus 12 weekday holidays (01/01, 08-09/02 and 12-14/02,
    # 18/04, 29-30/04, 01/05, 02-03/09), plus the worked Saturday 04/05.
    calendar = WorkingCalendar(D(2024, 1, 1), D(2024, 12, 31))
    assert (
        sum(calendar.is_working_day(D(2024, 1, 1) + dt.timedelta(days=i)) for i in range(366))
        == 251
    )


def test_long_limits_span_several_years() -> None:
    start = D(2024, 2, 7)
    expected = WorkingCalendar(start, D(2027, 12, 31)).add_working_days(start, 600)
    assert add_working_days(start, 600) == expected
    assert working_days_between(start, expected) == 600


def test_a_calendar_refuses_dates_outside_its_span() -> None:
    calendar = WorkingCalendar(D(2024, 3, 1), D(2024, 3, 31))
    with pytest.raises(OutsideCalendar):
        calendar.is_working_day(D(2024, 4, 1))
    with pytest.raises(OutsideCalendar):
        calendar.add_working_days(D(2024, 3, 29), 1)  # Monday 01/04 is past the span
    with pytest.raises(OutsideCalendar):
        calendar.add_working_days(D(2024, 3, 1), -1)


@pytest.mark.parametrize("years", [1, 5])
def test_loading_a_calendar_takes_one_query_whatever_the_span(
    years: int, django_assert_num_queries: Any
) -> None:
    for month in range(1, 13):
        OfficeDayOff.objects.create(date=D(2024, month, 15), reason="Nghỉ")
        MakeUpWorkday.objects.create(date=D(2024, month, 20), reason="Làm bù")
    with django_assert_num_queries(1):
        calendar = WorkingCalendar.load(D(2024, 1, 1), D(2024 + years - 1, 12, 31))
    # Both tables were read: 15/03 (Friday) is off, 20/04 (Saturday) is worked.
    assert not calendar.is_working_day(D(2024, 3, 15))
    assert calendar.is_working_day(D(2024, 4, 20))


def test_a_loaded_calendar_answers_without_queries(django_assert_num_queries: Any) -> None:
    calendar = WorkingCalendar.load(D(2024, 1, 1), D(2024, 12, 31))
    with django_assert_num_queries(0):
        due = [calendar.add_working_days(D(2024, 2, 7), n) for n in range(1, 100)]
        assert calendar.working_days_between(D(2024, 2, 7), due[-1]) == 99
