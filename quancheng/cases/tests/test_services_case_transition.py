"""case_transition: the GEN-02 action table (order, procedure), the DECIDE-01 shortcut, STAFF-01 on entering
investigation, the blocking rules (START-09 approval), CASE_CLOSED; a refusal writes nothing; a move writes its
history row, the case and their ledger entries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quancheng.accounts import services as accounts
from quancheng.cases import services
from quancheng.cases.models import ApprovalAction, Case, Procedure, Stage, StageChange, Step
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.rules.models import Finding

from .helpers import assert_entry, entries_since

FINDING_ACTIONS = {LedgerAction.FINDING_RAISED, LedgerAction.FINDING_RESOLVED}


def _refused(case: Case, ledger_size, call) -> DomainError:
    """Run ``call``, expect a DomainError, and check nothing was written: no ledger entry, no history row, the
    case where it was."""
    before, changes = ledger_size(), StageChange.objects.count()
    step, stage = Case.objects.filter(pk=case.pk).values_list("step", "stage").get()
    with pytest.raises(DomainError) as err:
        call()
    assert ledger_size() == before
    assert StageChange.objects.count() == changes
    assert Case.objects.filter(pk=case.pk).values_list("step", "stage").get() == (step, stage)
    return err.value


def test_transition_writes_history_row_case_and_their_ledger_entries(
    staffed_case, prepare, zhangsan, ledger_size
) -> None:
    # given: a case with its 立案审批表 sealed and the filing approved (START-09)
    case = prepare(staffed_case, "file_case")
    before = ledger_size()
    # when
    change = services.case_transition(actor=zhangsan, case=case, action="file_case", note="立案审批已通过")
    # then: the case moved and the passage is on file
    case = Case.objects.get(pk=case.pk)
    assert (case.step, case.stage) == (Step.INVESTIGATION, Stage.INVESTIGATION_EVIDENCE)
    change.refresh_from_db()
    assert (
        change.case,
        change.action,
        change.from_step,
        change.to_step,
        change.from_stage,
        change.to_stage,
        change.changed_by,
        change.note,
    ) == (
        case,
        "file_case",
        Step.CLUE,
        Step.INVESTIGATION,
        Stage.PROGRAM_START,
        Stage.INVESTIGATION_EVIDENCE,
        zhangsan,
        "立案审批已通过",
    )
    # and both rows are anchored in the ledger, followed only by the warning findings re-evaluated after the move
    entries = entries_since(before)
    assert_entry(entries[0], LedgerAction.CASE_STAGE_CHANGED, change)
    assert_entry(entries[1], LedgerAction.CASE_STAGE_CHANGED, case)
    assert {e.action for e in entries[2:]} <= FINDING_ACTIONS
    assert len(entries[2:]) <= Finding.objects.filter(case=case).count() * 2


def test_general_case_walks_the_main_line_in_order(staffed_case, advance) -> None:
    # when
    case = advance(staffed_case, Stage.ARCHIVE)
    # then
    assert (case.step, case.stage) == (Step.ARCHIVED, Stage.ARCHIVE)
    assert case.is_archived
    assert [(c.action, c.from_step, c.to_step) for c in StageChange.objects.filter(case=case)] == [
        ("file_case", Step.CLUE, Step.INVESTIGATION),
        ("submit_for_review", Step.INVESTIGATION, Step.LEGAL_REVIEW),
        ("notify", Step.LEGAL_REVIEW, Step.NOTICE),
        ("decide", Step.NOTICE, Step.DECIDED),
        ("serve_decision", Step.DECIDED, Step.EXECUTION),
        ("close_case", Step.EXECUTION, Step.CLOSED),
        ("archive", Step.CLOSED, Step.ARCHIVED),
    ]
    # GEN-02: the five stages are passed through in order
    stages = [c.to_stage for c in StageChange.objects.filter(case=case)]
    assert list(dict.fromkeys([Stage.PROGRAM_START, *stages])) == [
        Stage.PROGRAM_START,
        Stage.INVESTIGATION_EVIDENCE,
        Stage.REVIEW_DECISION,
        Stage.SERVICE_EXECUTION,
        Stage.ARCHIVE,
    ]


def test_simple_procedure_goes_straight_to_execution(open_case, prepare, zhangsan) -> None:
    """DECIDE-01: 当场处罚 skips investigation and review."""
    # given: one handler is enough, STAFF-01 does not apply to this passage; the decision is sealed
    case = prepare(open_case(procedure=Procedure.SIMPLE, handlers=[zhangsan]), "impose_on_the_spot")
    # when
    services.case_transition(actor=zhangsan, case=case, action="impose_on_the_spot")
    # then
    case.refresh_from_db()
    assert (case.step, case.stage) == (Step.EXECUTION, Stage.SERVICE_EXECUTION)


@pytest.mark.parametrize(
    "action", ["submit_for_review", "notify", "decide", "serve_decision", "close_case", "archive", "apply_to_court"]
)
def test_skipping_ahead_is_refused_before_any_write(staffed_case, zhangsan, ledger_size, action) -> None:
    """GEN-02: the stages are passed in order; from 线索核查 only filing (or declining to) is possible."""
    error = _refused(
        staffed_case, ledger_size, lambda: services.case_transition(actor=zhangsan, case=staffed_case, action=action)
    )
    assert error.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert error.status == 409


@pytest.mark.parametrize(
    ("procedure", "action"),
    [
        (Procedure.GENERAL, "impose_on_the_spot"),  # DECIDE-01 is for the simple procedure only
        (Procedure.SIMPLE, "file_case"),  # a simple-procedure case is not filed for investigation
    ],
)
def test_actions_of_the_other_procedure_are_refused(open_case, zhangsan, lisi, ledger_size, procedure, action) -> None:
    case = open_case(procedure=procedure, handlers=[zhangsan, lisi])
    error = _refused(case, ledger_size, lambda: services.case_transition(actor=zhangsan, case=case, action=action))
    assert error.code == ErrorCode.TRANSITION_NOT_ALLOWED


def test_going_back_is_refused(staffed_case, advance, zhangsan, ledger_size) -> None:
    case = advance(staffed_case, Stage.REVIEW_DECISION)
    assert case.step == Step.LEGAL_REVIEW
    error = _refused(case, ledger_size, lambda: services.case_transition(actor=zhangsan, case=case, action="file_case"))
    assert error.code == ErrorCode.TRANSITION_NOT_ALLOWED


@pytest.mark.parametrize("action", ["investigation_evidence", "closed", ""])
def test_unknown_action_is_a_validation_error(staffed_case, zhangsan, ledger_size, action) -> None:
    error = _refused(
        staffed_case, ledger_size, lambda: services.case_transition(actor=zhangsan, case=staffed_case, action=action)
    )
    assert error.code == ErrorCode.VALIDATION_ERROR


@pytest.mark.parametrize("action", ["archive", "close_case", "file_case"])
def test_archived_case_refuses_transitions(archived_case, zhangsan, ledger_size, action) -> None:
    error = _refused(
        archived_case, ledger_size, lambda: services.case_transition(actor=zhangsan, case=archived_case, action=action)
    )
    assert error.code == ErrorCode.CASE_CLOSED


@pytest.mark.parametrize("who", ["outsider", "supervisor"])
def test_only_people_of_the_agency_move_cases(request, staffed_case, prepare, ledger_size, who) -> None:
    case = prepare(staffed_case, "file_case")
    actor = request.getfixturevalue(who)
    error = _refused(case, ledger_size, lambda: services.case_transition(actor=actor, case=case, action="file_case"))
    assert error.code == ErrorCode.PERMISSION_DENIED


# --- blocking rules -------------------------------------------------------------------------------------


def test_filing_without_the_principal_heads_approval_is_a_rule_violation(
    staffed_case, cast, zhangsan, principal_head, ledger_size
) -> None:
    """START-09: 立案应当报单位主要负责人批准 — asked is not enough, granted is."""
    from quancheng.demo.procedure import make_record

    # given: the 立案审批表 is sealed, the approval asked for but not yet decided
    services.case_add_party(actor=zhangsan, case=staffed_case, party=cast.party)
    make_record(staffed_case, cast, "case_filing_approval")
    approval = services.approval_request(
        actor=zhangsan, case=staffed_case, action=ApprovalAction.FILE_CASE, reason="涉嫌违法,拟立案调查"
    )
    # when
    error = _refused(
        staffed_case,
        ledger_size,
        lambda: services.case_transition(actor=zhangsan, case=staffed_case, action="file_case"),
    )
    # then: 409 naming the rule, the requirement and its words
    assert error.code == ErrorCode.RULE_VIOLATION and error.status == 409
    assert error.extra["rule"] == "filing-approved"
    assert error.extra["requirement"] == "START-09"
    assert error.extra["quote"]
    assert "尚待批准" in error.message
    # when: the principal head approves, the same action goes through
    services.approval_decide(actor=principal_head, approval=approval, approve=True, comment="同意立案")
    services.case_transition(actor=zhangsan, case=staffed_case, action="file_case")
    assert Case.objects.get(pk=staffed_case.pk).step == Step.INVESTIGATION


def test_filing_without_the_filing_form_is_a_rule_violation(staffed_case, zhangsan, ledger_size) -> None:
    """START-05/08/14: investigation starts only once the 立案审批表 is made."""
    error = _refused(
        staffed_case,
        ledger_size,
        lambda: services.case_transition(actor=zhangsan, case=staffed_case, action="file_case"),
    )
    assert error.code == ErrorCode.RULE_VIOLATION
    assert error.extra["rule"] in {"filing-approved", "filing-record"}


# --- STAFF-01 ---------------------------------------------------------------------------------------


def _file(actor, case) -> StageChange:
    return services.case_transition(actor=actor, case=case, action="file_case")


def test_staff_01_refused_with_one_certified_handler_then_accepted_after_a_second(
    open_case, prepare, zhangsan, lisi, ledger_size
) -> None:
    """STAFF-01: 由2名以上持有效行政执法证件的人员负责承办调查取证工作."""
    # given: only 张三 handles the case, everything else the filing needs is there
    case = prepare(open_case(handlers=[zhangsan]), "file_case")
    # when
    error = _refused(case, ledger_size, lambda: _file(zhangsan, case))
    # then: refused, nothing written
    assert error.code == ErrorCode.STAFFING_INSUFFICIENT
    assert error.status == 409
    # when: 李四, also certified, joins; then the same step succeeds
    services.case_set_handlers(actor=zhangsan, case=case, handlers=[zhangsan, lisi], lead=zhangsan)
    _file(zhangsan, case)
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
    open_case, prepare, make_officer, zhangsan, ledger_size, valid_from, valid_to, counts
) -> None:
    # given: 张三 (valid) and 王五, whose certificate's validity is placed around today
    wangwu = make_officer("wangwu", "王五", valid_from=valid_from, valid_to=valid_to)
    case = prepare(open_case(handlers=[zhangsan, wangwu]), "file_case")
    # when / then
    if counts:
        _file(zhangsan, case)
        assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION_EVIDENCE
    else:
        error = _refused(case, ledger_size, lambda: _file(zhangsan, case))
        assert error.code == ErrorCode.STAFFING_INSUFFICIENT
        assert "王五" in error.message


def test_staff_01_revoked_certificate_does_not_count(open_case, zhangsan, lisi, ledger_size) -> None:
    # given: 李四's certificate is revoked (暂扣/注销) although its dates still cover today
    accounts.certificate_revoke(actor=None, certificate=lisi.certificates.get(), reason="暂扣")
    case = open_case(handlers=[zhangsan, lisi])
    # when
    error = _refused(case, ledger_size, lambda: _file(zhangsan, case))
    # then
    assert error.code == ErrorCode.STAFFING_INSUFFICIENT
    assert error.extra["lacking"] == ["李四"]


def test_staff_01_handler_without_any_certificate_does_not_count(
    open_case, make_officer, zhangsan, ledger_size
) -> None:
    zhaoliu = make_officer("zhaoliu", "赵六", valid_from=None)
    case = open_case(handlers=[zhangsan, zhaoliu])
    error = _refused(case, ledger_size, lambda: _file(zhangsan, case))
    assert error.code == ErrorCode.STAFFING_INSUFFICIENT
    assert "赵六" in error.message


def test_staff_01_one_valid_certificate_among_several_is_enough(open_case, prepare, make_officer, zhangsan) -> None:
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
    case = prepare(open_case(handlers=[zhangsan, wangwu]), "file_case")
    # when
    _file(zhangsan, case)
    # then
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION_EVIDENCE


def test_removed_handler_does_not_count_for_staff_01(staffed_case, make_officer, zhangsan, ledger_size) -> None:
    # given: 李四 is replaced by 赵六, who has no certificate
    zhaoliu = make_officer("zhaoliu", "赵六", valid_from=None)
    services.case_set_handlers(actor=zhangsan, case=staffed_case, handlers=[zhangsan, zhaoliu], lead=zhangsan)
    # when / then
    error = _refused(staffed_case, ledger_size, lambda: _file(zhangsan, staffed_case))
    assert error.code == ErrorCode.STAFFING_INSUFFICIENT
