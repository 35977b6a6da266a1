"""Agency scoping of case and party reads: own agency, plus 监督人员 of the supervising agency (read only)."""

from __future__ import annotations

import pytest

from quancheng.accounts import services as accounts
from quancheng.cases import selectors, services
from quancheng.cases.models import Stage
from quancheng.core.errors import DomainError, ErrorCode

from .helpers import VALID_ID_NUMBER_2


def test_officer_sees_own_agency_cases_only(staffed_case, outsider, other_agency, zhangsan) -> None:
    # given: a case of another agency too
    other_unit = accounts.unit_create(actor=None, agency=other_agency, name="稽查大队")
    foreign = services.case_open(
        actor=outsider,
        agency=other_agency,
        unit=other_unit,
        title="外地案件",
        act_type="penalty",
        source="report",
        procedure="general",
    )
    # when / then
    assert list(selectors.case_list_for(zhangsan)) == [staffed_case]
    assert list(selectors.case_list_for(outsider)) == [foreign]
    with pytest.raises(DomainError) as err:
        selectors.case_get_for(zhangsan, foreign.pk)
    assert err.value.code == ErrorCode.NOT_FOUND


def test_supervisor_of_the_supervising_agency_reads_but_may_not_write(staffed_case, supervisor) -> None:
    # when
    visible = list(selectors.case_list_for(supervisor))
    case = selectors.case_get_for(supervisor, staffed_case.pk)
    # then
    assert visible == [staffed_case]
    assert case == staffed_case
    with pytest.raises(DomainError) as err:
        selectors.case_get_for_write(supervisor, staffed_case.pk)
    assert err.value.code == ErrorCode.PERMISSION_DENIED


def test_outsider_cannot_tell_a_case_exists(staffed_case, outsider) -> None:
    for read in (selectors.case_get_for, selectors.case_detail_for, selectors.case_get_for_write):
        with pytest.raises(DomainError) as err:
            read(outsider, staffed_case.pk)
        assert err.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as missing:
        selectors.case_get_for(outsider, 999_999)
    assert missing.value.message == err.value.message  # same answer for "not yours" and "no such case"


def test_people_of_the_agency_may_write(staffed_case, zhangsan, reviewer) -> None:
    assert selectors.case_get_for_write(zhangsan, staffed_case.pk) == staffed_case
    assert selectors.case_get_for_write(reviewer, staffed_case.pk) == staffed_case


def test_inactive_user_sees_nothing(staffed_case, zhangsan) -> None:
    zhangsan.is_active = False
    assert list(selectors.case_list_for(zhangsan)) == []


def test_list_filters_by_stage_and_text(open_case, advance, zhangsan, lisi) -> None:
    # given
    first = open_case(title="涉嫌销售过期食品案", handlers=[zhangsan, lisi])
    second = open_case(title="涉嫌无照经营案")
    advance(first, Stage.INVESTIGATION_EVIDENCE)
    # when / then
    assert list(selectors.case_list_for(zhangsan, stage=Stage.INVESTIGATION_EVIDENCE)) == [first]
    assert list(selectors.case_list_for(zhangsan, stage=Stage.PROGRAM_START)) == [second]
    assert list(selectors.case_list_for(zhangsan, q="无照")) == [second]
    assert list(selectors.case_list_for(zhangsan, q=second.number)) == [second]
    assert list(selectors.case_list_for(zhangsan)) == [second, first]  # newest first


def test_current_handler_links_exclude_removed_and_put_the_lead_first(staffed_case, zhangsan, lisi) -> None:
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[lisi], lead=lisi)
    case = selectors.case_get_for(zhangsan, staffed_case.pk)
    assert [link.user for link in selectors.case_current_handler_links(case)] == [lisi]
    assert not selectors.case_is_handler(case, zhangsan)


def test_parties_are_scoped_like_cases(person, outsider, other_agency, zhangsan, supervisor) -> None:
    # given
    foreign = services.party_create(
        actor=outsider, agency=other_agency, kind="person", name="外某", id_number=VALID_ID_NUMBER_2
    )
    # then
    assert list(selectors.party_list_for(zhangsan)) == [person]
    assert list(selectors.party_list_for(supervisor)) == [person]
    assert list(selectors.party_list_for(outsider)) == [foreign]
    assert selectors.party_get_for(zhangsan, person.pk) == person
    with pytest.raises(DomainError) as err:
        selectors.party_get_for(zhangsan, foreign.pk)
    assert err.value.code == ErrorCode.NOT_FOUND


def test_party_search_by_name_or_exact_number(person, company, zhangsan) -> None:
    assert list(selectors.party_list_for(zhangsan, q="食品")) == [company]
    assert list(selectors.party_list_for(zhangsan, q=person.id_number.lower())) == [person]


def test_officers_for_assignment_resolves_only_the_agencys_people(zhangsan, lisi, outsider, agency) -> None:
    assert selectors.officers_for_assignment(zhangsan, agency_id=agency.pk, user_ids=[lisi.pk, zhangsan.pk]) == [
        lisi,
        zhangsan,
    ]
    with pytest.raises(DomainError) as err:
        selectors.officers_for_assignment(zhangsan, agency_id=agency.pk, user_ids=[outsider.pk])
    assert err.value.code == ErrorCode.VALIDATION_ERROR
    with pytest.raises(DomainError) as denied:
        selectors.officers_for_assignment(outsider, agency_id=agency.pk, user_ids=[zhangsan.pk])
    assert denied.value.code == ErrorCode.PERMISSION_DENIED
