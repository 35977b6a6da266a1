"""Record reads follow case visibility: own agency, or a supervisor of it; anyone else gets NOT_FOUND."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.records import selectors
from quancheng.records.models import Record


def _walked(case) -> list[int]:
    """The records the procedure walk made to bring the case to 调查取证 (立案审批表, ...)."""
    return list(Record.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))


def test_list_returns_the_case_records_in_the_order_made(case, zhangsan, draft_inquiry, sign_and_seal) -> None:
    # given: the walk's records, then two more on the case
    walked = _walked(case)
    assert walked  # the filing approval form at least
    first = sign_and_seal(draft_inquiry())
    second = draft_inquiry()
    # when
    records = list(selectors.record_list_for(zhangsan, case.pk))
    # then
    assert [r.pk for r in records] == [*walked, first.pk, second.pk]


def test_supervisor_of_the_agency_reads_records(case, supervisor, draft_inquiry, sign_and_seal) -> None:
    walked = _walked(case)
    sealed_inquiry = sign_and_seal(draft_inquiry())
    assert [r.pk for r in selectors.record_list_for(supervisor, case.pk)] == [*walked, sealed_inquiry.pk]
    assert selectors.record_get_for(supervisor, sealed_inquiry.pk).pk == sealed_inquiry.pk


def test_officer_of_another_agency_sees_nothing(case, outsider, sealed_inquiry) -> None:
    with pytest.raises(DomainError) as err:
        selectors.record_list_for(outsider, case.pk)
    assert err.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(DomainError) as err:
        selectors.record_get_for(outsider, sealed_inquiry.pk)
    assert err.value.code == ErrorCode.NOT_FOUND
    assert err.value.message == selectors.RECORD_NOT_FOUND


def test_missing_record_is_not_found(zhangsan, db) -> None:
    with pytest.raises(DomainError) as err:
        selectors.record_get_for(zhangsan, 999_999)
    assert err.value.code == ErrorCode.NOT_FOUND


def test_current_only_leaves_out_superseded_versions(
    case, zhangsan, draft_inquiry, sign_and_seal, correct_inquiry
) -> None:
    walked = _walked(case)
    sealed_inquiry = sign_and_seal(draft_inquiry())
    correction = correct_inquiry(sealed_inquiry, dict(sealed_inquiry.content), "更正页数")
    everything = [r.pk for r in selectors.record_list_for(zhangsan, case.pk)]
    current = [r.pk for r in selectors.record_list_for(zhangsan, case.pk, current_only=True)]
    assert everything == [*walked, sealed_inquiry.pk, correction.pk]
    assert current == [*walked, correction.pk]


def test_chain_is_the_same_from_any_version(zhangsan, sealed_inquiry, correct_inquiry) -> None:
    second = correct_inquiry(sealed_inquiry, dict(sealed_inquiry.content), "第一次更正")
    third = correct_inquiry(second, dict(second.content), "第二次更正")
    expected = [sealed_inquiry.pk, second.pk, third.pk]
    for version in (sealed_inquiry, second, third):
        assert [r.pk for r in selectors.record_chain_for(zhangsan, version.pk)] == expected


def test_chain_of_another_agency_record_is_not_found(outsider, sealed_inquiry) -> None:
    with pytest.raises(DomainError) as err:
        selectors.record_chain_for(outsider, sealed_inquiry.pk)
    assert err.value.code == ErrorCode.NOT_FOUND


def test_colleague_lookup_is_limited_to_the_own_agency(zhangsan, lisi, outsider) -> None:
    assert selectors.colleague_get_for(zhangsan, lisi.pk) == lisi
    with pytest.raises(DomainError) as err:
        selectors.colleague_get_for(zhangsan, outsider.pk)
    assert err.value.code == ErrorCode.NOT_FOUND
