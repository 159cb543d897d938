from cases.housing.models import HousingCase, HousingState
from workflows.audit import verify


def test_a_case_walks_the_happy_path_to_closed_and_the_chain_verifies(make_case):
    case = make_case(HousingState.CLOSED)
    case = HousingCase.objects.get(pk=case.pk)
    assert case.state == HousingState.CLOSED
    assert case.disbursed_amount == case.approved_amount == 80_000_000
    assert verify().ok
