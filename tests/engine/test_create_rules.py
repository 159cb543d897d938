"""Rules checked when a housing case is opened."""

import pytest

from cases.housing.models import HousingKind, HousingProgram
from cases.housing.services import housing_case_create
from workflows.exceptions import InvalidData
from workflows.forms import MoneyField


def test_a_requested_amount_over_the_cap_is_refused_when_the_case_is_opened(
    users, config, applicant
):
    with pytest.raises(InvalidData) as err:
        housing_case_create(
            actor=users.officer,
            commune=applicant.commune,
            applicant=applicant,
            program=HousingProgram.POOR,
            kind=HousingKind.REPAIR,
            requested_amount=90_000_000,
        )
    assert "30.000.000 đ" in err.value.fields["requested_amount"][0]


def test_a_requested_amount_at_the_cap_is_accepted(users, config, applicant):
    case = housing_case_create(
        actor=users.officer,
        commune=applicant.commune,
        applicant=applicant,
        program=HousingProgram.POOR,
        kind=HousingKind.REPAIR,
        requested_amount=30_000_000,
    )
    assert case.state == "draft"


@pytest.mark.parametrize("value", ["0", "-5.000.000"])
def test_money_below_one_dong_gets_a_plain_message(value):
    from django import forms
    from django.utils import translation

    with pytest.raises(forms.ValidationError) as err:
        MoneyField().clean(value)
    with translation.override("vi"):
        assert err.value.messages == ["Số tiền phải lớn hơn 0."]
    with translation.override("en"):
        assert err.value.messages == ["The amount must be greater than 0."]
