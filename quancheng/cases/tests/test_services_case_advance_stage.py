"""case_advance_stage: the GEN-02 table, the DECIDE-01 shortcut, STAFF-01 on entering investigation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quancheng.accounts import services as accounts
from quancheng.cases import services
from quancheng.cases.models import Case, Procedure, Stage, StageChange
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction

from .conftest import ALL_STAGES_AFTER_START
from .helpers import assert_entry, entries_since


def test_stage_change_writes_history_row_case_and_two_ledger_entries(staffed_case, zhangsan, ledger_size) -> None:
    # given
    before = ledger_size()
    # when
    change = services.case_advance_stage(
        actor=zhangsan, case=staffed_case, to_stage=Stage.INVESTIGATION_EVIDENCE, note="立案审批已通过"
    )
    # then: the case moved and the passage is on file
    case = Case.objects.get(pk=staffed_case.pk)
    assert case.stage == Stage.INVESTIGATION_EVIDENCE
    change.refresh_from_db()
    assert (change.case, change.from_stage, change.to_stage, change.changed_by, change.note) == (
        case,
        Stage.PROGRAM_START,
        Stage.INVESTIGATION_EVIDENCE,
        zhangsan,
        "立案审批已通过",
    )
    # and both rows are anchored in the ledger
    entries = entries_since(before)
    assert len(entries) == 2
    assert_entry(entries[0], LedgerAction.CASE_STAGE_CHANGED, change)
    assert_entry(entries[1], LedgerAction.CASE_STAGE_CHANGED, case)


def test_general_case_walks_all_five_stages_in_order(staffed_case, advance) -> None:
    # when
    case = advance(staffed_case, *ALL_STAGES_AFTER_START)
    # then
    assert case.stage == Stage.ARCHIVE
    assert [(c.from_stage, c.to_stage) for c in StageChange.objects.filter(case=case)] == [
        (Stage.PROGRAM_START, Stage.INVESTIGATION_EVIDENCE),
        (Stage.INVESTIGATION_EVIDENCE, Stage.REVIEW_DECISION),
        (Stage.REVIEW_DECISION, Stage.SERVICE_EXECUTION),
        (Stage.SERVICE_EXECUTION, Stage.ARCHIVE),
    ]


def test_simple_procedure_goes_straight_to_service_and_execution(open_case, zhangsan) -> None:
    """DECIDE-01: 当场处罚 skips investigation and review."""
    # given: one handler is enough, STAFF-01 does not apply to this passage
    case = open_case(procedure=Procedure.SIMPLE, handlers=[zhangsan])
    # when
    services.case_advance_stage(actor=zhangsan, case=case, to_stage=Stage.SERVICE_EXECUTION)
    # then
    case.refresh_from_db()
    assert case.stage == Stage.SERVICE_EXECUTION


@pytest.mark.parametrize("target", [Stage.REVIEW_DECISION, Stage.SERVICE_EXECUTION, Stage.ARCHIVE, Stage.PROGRAM_START])
def test_skipping_or_staying_is_refused_before_any_write(staffed_case, zhangsan, ledger_size, target) -> None:
    # given: a general-procedure case in program start
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.case_advance_stage(actor=zhangsan, case=staffed_case, to_stage=target)
    # then
    assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert ledger_size() == before
    assert not StageChange.objects.exists()
    assert Case.objects.get(pk=staffed_case.pk).stage == Stage.PROGRAM_START


def test_going_back_is_refused(staffed_case, advance, zhangsan, ledger_size) -> None:
    case = advance(staffed_case, Stage.INVESTIGATION_EVIDENCE, Stage.REVIEW_DECISION)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_advance_stage(actor=zhangsan, case=case, to_stage=Stage.INVESTIGATION_EVIDENCE)
    assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert ledger_size() == before


def test_archived_case_refuses_stage_changes(archived_case, zhangsan, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_advance_stage(actor=zhangsan, case=archived_case, to_stage=Stage.ARCHIVE)
    assert err.value.code == ErrorCode.CASE_CLOSED
    assert ledger_size() == before


@pytest.mark.parametrize("who", ["outsider", "supervisor"])
def test_only_people_of_the_agency_change_stages(request, staffed_case, ledger_size, who) -> None:
    actor = request.getfixturevalue(who)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.case_advance_stage(actor=actor, case=staffed_case, to_stage=Stage.INVESTIGATION_EVIDENCE)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before


# --- STAFF-01 ---------------------------------------------------------------------------------------


def _enter_investigation(actor, case) -> StageChange:
    return services.case_advance_stage(actor=actor, case=case, to_stage=Stage.INVESTIGATION_EVIDENCE)


def test_staff_01_refused_with_one_certified_handler_then_accepted_after_a_second(
    open_case, zhangsan, lisi, ledger_size
) -> None:
    """STAFF-01: 由2名以上持有效行政执法证件的人员负责承办调查取证工作."""
    # given: only 张三 handles the case
    case = open_case(handlers=[zhangsan])
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        _enter_investigation(zhangsan, case)
    # then: refused, nothing written
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert err.value.status == 409
    assert ledger_size() == before
    assert Case.objects.get(pk=case.pk).stage == Stage.PROGRAM_START
    # when: 李四, also certified, joins; then the same step succeeds
    services.case_set_handlers(actor=zhangsan, case=case, handlers=[zhangsan, lisi], lead=zhangsan)
    _enter_investigation(zhangsan, case)
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION_EVIDENCE


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "counts"),
    [
        (-365, -1, False),  # expired yesterday
        (1, 365, False),  # not valid until tomorrow
        (-365, 0, True),  # last day of validity is today
        (0, 365, True),  # first day of validity is today
    ],
)
def test_staff_01_counts_certificates_valid_on_the_local_day(
    open_case, make_officer, zhangsan, ledger_size, valid_from, valid_to, counts
) -> None:
    # given: 张三 (valid) and 王五, whose certificate's validity is placed around today
    wangwu = make_officer("wangwu", "王五", valid_from=valid_from, valid_to=valid_to)
    case = open_case(handlers=[zhangsan, wangwu])
    before = ledger_size()
    # when / then
    if counts:
        _enter_investigation(zhangsan, case)
        assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION_EVIDENCE
    else:
        with pytest.raises(DomainError) as err:
            _enter_investigation(zhangsan, case)
        assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
        assert "王五" in err.value.message
        assert ledger_size() == before


def test_staff_01_revoked_certificate_does_not_count(open_case, zhangsan, lisi, ledger_size) -> None:
    # given: 李四's certificate is revoked (暂扣/注销) although its dates still cover today
    accounts.certificate_revoke(actor=None, certificate=lisi.certificates.get(), reason="暂扣")
    case = open_case(handlers=[zhangsan, lisi])
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        _enter_investigation(zhangsan, case)
    # then
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert err.value.extra["lacking"] == ["李四"]
    assert ledger_size() == before


def test_staff_01_handler_without_any_certificate_does_not_count(open_case, make_officer, zhangsan) -> None:
    zhaoliu = make_officer("zhaoliu", "赵六", valid_from=None)
    case = open_case(handlers=[zhangsan, zhaoliu])
    with pytest.raises(DomainError) as err:
        _enter_investigation(zhangsan, case)
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert "赵六" in err.value.message


def test_staff_01_one_valid_certificate_among_several_is_enough(open_case, make_officer, zhangsan) -> None:
    # given: 王五 has an expired certificate and a renewed one valid today
    wangwu = make_officer("wangwu", "王五", valid_from=-800, valid_to=-400)
    today = services.local_today()
    accounts.certificate_issue(
        actor=None,
        holder=wangwu,
        number="SJ-wangwu-2",
        issuer="示例市人民政府",
        valid_from=today - timedelta(days=10),
        valid_to=today + timedelta(days=10),
    )
    case = open_case(handlers=[zhangsan, wangwu])
    # when
    _enter_investigation(zhangsan, case)
    # then
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION_EVIDENCE


def test_removed_handler_does_not_count_for_staff_01(staffed_case, make_officer, zhangsan, lisi) -> None:
    # given: 李四 is replaced by 赵六, who has no certificate
    zhaoliu = make_officer("zhaoliu", "赵六", valid_from=None)
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan, zhaoliu], lead=zhangsan)
    # when / then
    with pytest.raises(DomainError) as err:
        _enter_investigation(zhangsan, staffed_case)
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
