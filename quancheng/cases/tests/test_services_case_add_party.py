"""case_add_party: a party registered with the agency joins the case once; ledgered."""

from __future__ import annotations

import pytest

from quancheng.cases import services
from quancheng.cases.models import CaseParty
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction, LedgerEntry

from .helpers import VALID_ID_NUMBER, assert_entry


def test_party_is_added_and_ledgered(staffed_case, company, lisi, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    link = services.case_add_party(actor=lisi, case=staffed_case, party=company)
    # then
    assert list(CaseParty.objects.filter(case=staffed_case).values_list("party", flat=True)) == [company.pk]
    assert ledger_size() == before + 1
    assert_entry(LedgerEntry.objects.get(index=before), LedgerAction.CASE_PARTY_ADDED, link)


def test_same_party_twice_is_duplicate(staffed_case, company, zhangsan, ledger_size) -> None:
    services.case_add_party(actor=zhangsan, case=staffed_case, party=company)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_add_party(actor=zhangsan, case=staffed_case, party=company)
    assert err.value.code == ErrorCode.DUPLICATE
    assert ledger_size() == before


def test_another_agencys_party_is_refused(staffed_case, zhangsan, outsider, other_agency, ledger_size) -> None:
    stranger = services.party_create(
        actor=outsider, agency=other_agency, kind="person", name="外某", id_number=VALID_ID_NUMBER
    )
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_add_party(actor=zhangsan, case=staffed_case, party=stranger)
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before


def test_archived_case_refuses_new_parties(archived_case, person, zhangsan, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_add_party(actor=zhangsan, case=archived_case, party=person)
    assert err.value.code == ErrorCode.CASE_CLOSED
    assert ledger_size() == before


@pytest.mark.parametrize("who", ["outsider", "supervisor"])
def test_only_people_of_the_agency_add_parties(request, staffed_case, person, ledger_size, who) -> None:
    actor = request.getfixturevalue(who)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_add_party(actor=actor, case=staffed_case, party=person)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
