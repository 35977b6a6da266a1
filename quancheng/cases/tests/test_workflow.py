"""GEN-02 lifecycle table (steps, actions, procedures), DECIDE-01 simple-procedure shortcut, STAFF-01 staffing:
pure checks over snapshots."""

from __future__ import annotations

import pytest

from quancheng.cases import workflow
from quancheng.cases.models import ApprovalAction, ApproverRole, Procedure, Stage, Step
from quancheng.core.errors import DomainError, ErrorCode

P_START = Stage.PROGRAM_START
INVEST = Stage.INVESTIGATION_EVIDENCE
REVIEW = Stage.REVIEW_DECISION
SERVE = Stage.SERVICE_EXECUTION
ARCHIVE = Stage.ARCHIVE

ZHANG = workflow.HandlerSnapshot(user_id=1, name="张三", has_valid_certificate=True)
LI = workflow.HandlerSnapshot(user_id=2, name="李四", has_valid_certificate=True)
WANG_EXPIRED = workflow.HandlerSnapshot(user_id=3, name="王五", has_valid_certificate=False)
ZHAO_NONE = workflow.HandlerSnapshot(user_id=4, name="赵六", has_valid_certificate=False)
STAFFED = (ZHANG, LI)

G, S = Procedure.GENERAL, Procedure.SIMPLE


def test_stage_order_is_the_five_stages_of_gen_02() -> None:
    assert [s.value for s in workflow.STAGE_ORDER] == [
        "program_start",
        "investigation_evidence",
        "review_decision",
        "service_execution",
        "archive",
    ]


def test_staff_01_minimum_is_two() -> None:
    assert workflow.STAFF_01_MIN_OFFICERS == 2


# GEN-02: every step lies in one of the five stages, spelled out (domain-notes §2).
EXPECTED_STAGE = {
    Step.CLUE: P_START,
    Step.NOT_FILED: P_START,
    Step.INVESTIGATION: INVEST,
    Step.LEGAL_REVIEW: REVIEW,
    Step.JOINT_REVIEW: REVIEW,
    Step.NOTICE: REVIEW,
    Step.HEARING: REVIEW,
    Step.DECIDED: REVIEW,
    Step.EXECUTION: SERVE,
    Step.DEMAND: SERVE,
    Step.COURT_ENFORCEMENT: SERVE,
    Step.CLOSED: SERVE,
    Step.ARCHIVED: ARCHIVE,
}


def test_every_step_lies_in_its_stage() -> None:
    assert workflow.STEP_STAGE == EXPECTED_STAGE


# (procedure, from step, action) → target step: the whole Procedure × Step × action table, spelled out
# (domain-notes §2). Every combination not listed here is refused.
ALLOWED: dict[tuple[Procedure, Step, str], Step] = {
    # 程序启动 (START-09, START-06, DECIDE-01)
    (G, Step.CLUE, "file_case"): Step.INVESTIGATION,
    (G, Step.CLUE, "decline_filing"): Step.NOT_FILED,
    (S, Step.CLUE, "decline_filing"): Step.NOT_FILED,
    (S, Step.CLUE, "impose_on_the_spot"): Step.EXECUTION,  # DECIDE-01: 当场处罚 goes straight to execution
    # 调查取证 → 审查决定 (REVIEW-01..03)
    (G, Step.INVESTIGATION, "submit_for_review"): Step.LEGAL_REVIEW,
    (G, Step.LEGAL_REVIEW, "refer_to_joint_review"): Step.JOINT_REVIEW,
    (G, Step.LEGAL_REVIEW, "notify"): Step.NOTICE,
    (G, Step.JOINT_REVIEW, "notify"): Step.NOTICE,
    (G, Step.LEGAL_REVIEW, "decide_no_penalty"): Step.CLOSED,
    (G, Step.JOINT_REVIEW, "decide_no_penalty"): Step.CLOSED,
    (G, Step.NOTICE, "request_hearing"): Step.HEARING,
    (G, Step.HEARING, "close_hearing"): Step.LEGAL_REVIEW,
    (G, Step.NOTICE, "reopen_review"): Step.LEGAL_REVIEW,
    (G, Step.NOTICE, "decide"): Step.DECIDED,
    (G, Step.LEGAL_REVIEW, "decide"): Step.DECIDED,
    (G, Step.JOINT_REVIEW, "decide"): Step.DECIDED,
    # 送达执行
    (G, Step.DECIDED, "serve_decision"): Step.EXECUTION,
    (G, Step.EXECUTION, "issue_demand"): Step.DEMAND,
    (G, Step.DEMAND, "apply_to_court"): Step.COURT_ENFORCEMENT,
    (G, Step.EXECUTION, "close_case"): Step.CLOSED,
    (G, Step.DEMAND, "close_case"): Step.CLOSED,
    (G, Step.COURT_ENFORCEMENT, "close_case"): Step.CLOSED,
    (S, Step.EXECUTION, "close_case"): Step.CLOSED,
    (S, Step.DEMAND, "close_case"): Step.CLOSED,
    (S, Step.COURT_ENFORCEMENT, "close_case"): Step.CLOSED,
    # 归档管理
    (G, Step.CLOSED, "archive"): Step.ARCHIVED,
    (G, Step.NOT_FILED, "archive"): Step.ARCHIVED,
    (S, Step.CLOSED, "archive"): Step.ARCHIVED,
    (S, Step.NOT_FILED, "archive"): Step.ARCHIVED,
}
ACTION_CODES = [
    "file_case",
    "decline_filing",
    "impose_on_the_spot",
    "submit_for_review",
    "refer_to_joint_review",
    "notify",
    "decide_no_penalty",
    "request_hearing",
    "close_hearing",
    "reopen_review",
    "decide",
    "serve_decision",
    "issue_demand",
    "apply_to_court",
    "close_case",
    "archive",
]
TABLE = [
    (procedure, step, action, ALLOWED.get((procedure, step, action)))
    for procedure in Procedure
    for step in Step
    for action in ACTION_CODES
    if step != Step.ARCHIVED
]


def test_the_action_codes_are_those_of_the_table() -> None:
    assert [a.code for a in workflow.ACTIONS] == ACTION_CODES


@pytest.mark.parametrize(("procedure", "step", "action", "target"), TABLE)
def test_transition_table(procedure: Procedure, step: Step, action: str, target: Step | None) -> None:
    """GEN-02: a case moves only by the actions its step and procedure allow, to the step the action leads to."""
    # given
    snapshot = workflow.CaseSnapshot(stage=EXPECTED_STAGE[step], step=step, procedure=procedure, handlers=STAFFED)
    # when / then
    if target is not None:
        assert workflow.check_transition(snapshot, action).target == target
    else:
        with pytest.raises(DomainError) as err:
            workflow.check_transition(snapshot, action)
        assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
        assert err.value.status == 409


@pytest.mark.parametrize(("procedure", "step"), [(p, s) for p in Procedure for s in Step])
def test_available_actions_are_the_allowed_row(procedure: Procedure, step: Step) -> None:
    expected = [a for a in ACTION_CODES if (procedure, step, a) in ALLOWED]
    assert [a.code for a in workflow.available_actions(step, procedure)] == expected


@pytest.mark.parametrize("action", ACTION_CODES)
def test_an_archived_case_goes_nowhere(action: str) -> None:
    snapshot = workflow.CaseSnapshot(
        stage=ARCHIVE, step=Step.ARCHIVED, procedure=Procedure.GENERAL, handlers=STAFFED, archived=True
    )
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, action)
    assert err.value.code == ErrorCode.CASE_CLOSED


@pytest.mark.parametrize("action", ["closed", "investigation_evidence", ""])
def test_unknown_action_is_a_validation_error(action: str) -> None:
    snapshot = workflow.CaseSnapshot(stage=P_START, step=Step.CLUE, procedure=Procedure.GENERAL, handlers=STAFFED)
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, action)
    assert err.value.code == ErrorCode.VALIDATION_ERROR


def test_refusal_names_the_actions_allowed_next() -> None:
    snapshot = workflow.CaseSnapshot(stage=P_START, step=Step.CLUE, procedure=Procedure.SIMPLE, handlers=STAFFED)
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, "archive")
    assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert "线索核查" in err.value.message
    # a simple-procedure case is not filed for investigation; it is declined or punished on the spot (DECIDE-01)
    assert "当前可进行:不予立案、当场作出处罚决定)" in err.value.message


# Which approvals the actions wait for, and who decides each (START-09, REVIEW-03, DECIDE-06, DECIDE-08).
@pytest.mark.parametrize(
    ("action", "approval"),
    [
        ("file_case", ApprovalAction.FILE_CASE),
        ("refer_to_joint_review", ApprovalAction.MAJOR_CASE_REVIEW),
        ("decide_no_penalty", ApprovalAction.NON_PENALTY_OR_TRANSFER),
        ("decide", ApprovalAction.PENALTY_DECISION),
        ("notify", None),
        ("close_case", None),
        ("archive", None),
    ],
)
def test_actions_name_the_approval_they_wait_for(action: str, approval: ApprovalAction | None) -> None:
    assert workflow.ACTIONS_BY_CODE[action].approval == approval


@pytest.mark.parametrize(
    ("approval", "role"),
    [
        (ApprovalAction.FILE_CASE, ApproverRole.PRINCIPAL_HEAD),  # START-09
        (ApprovalAction.FIELD_INSPECTION, ApproverRole.LEADER_IN_CHARGE),  # START-11
        (ApprovalAction.COERCIVE_MEASURE, ApproverRole.UNIT_HEAD),  # EVID-03
        (ApprovalAction.RELEASE_MEASURE, ApproverRole.UNIT_HEAD),  # EVID-05
        (ApprovalAction.EXTEND_MEASURE, ApproverRole.UNIT_HEAD),  # EVID-13
        (ApprovalAction.MAJOR_CASE_REVIEW, ApproverRole.LEADER_IN_CHARGE),  # REVIEW-03
        (ApprovalAction.NON_PENALTY_OR_TRANSFER, ApproverRole.PRINCIPAL_HEAD),  # DECIDE-06
        (ApprovalAction.PENALTY_DECISION, ApproverRole.PRINCIPAL_HEAD),  # DECIDE-08
        (ApprovalAction.EXTEND_DECISION_PERIOD, ApproverRole.UNIT_HEAD),  # DECIDE-13
        (ApprovalAction.FURTHER_EXTEND_DECISION_PERIOD, ApproverRole.SUPERIOR_DEPT),  # DECIDE-14
        (ApprovalAction.PAYMENT_DEFERRAL, ApproverRole.PRINCIPAL_HEAD),  # EXEC-03
        (ApprovalAction.DISPOSAL, ApproverRole.PRINCIPAL_HEAD),  # DISPOSAL-02
    ],
)
def test_approver_role_per_approval(approval: ApprovalAction, role: ApproverRole) -> None:
    assert workflow.APPROVER_ROLE[approval] == role


@pytest.mark.parametrize(
    ("handlers", "allowed", "named_as_lacking"),
    [
        ((), False, []),
        ((ZHANG,), False, []),
        ((ZHANG, WANG_EXPIRED), False, ["王五"]),
        ((WANG_EXPIRED, ZHAO_NONE), False, ["王五", "赵六"]),
        ((ZHANG, LI), True, []),
        ((ZHANG, LI, WANG_EXPIRED), True, []),  # extra uncertified helpers do not spoil a staffed team
    ],
)
def test_staff_01_entering_investigation(
    handlers: tuple[workflow.HandlerSnapshot, ...], allowed: bool, named_as_lacking: list[str]
) -> None:
    """STAFF-01: 由2名以上持有效行政执法证件的人员负责承办调查取证工作."""
    # given
    snapshot = workflow.CaseSnapshot(stage=P_START, step=Step.CLUE, procedure=Procedure.GENERAL, handlers=handlers)
    # when / then
    if allowed:
        assert workflow.check_transition(snapshot, "file_case").target == Step.INVESTIGATION
        return
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, "file_case")
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert err.value.extra["lacking"] == named_as_lacking
    for name in named_as_lacking:
        assert name in err.value.message


@pytest.mark.parametrize(
    ("step", "procedure", "action"),
    [
        (Step.CLUE, Procedure.SIMPLE, "impose_on_the_spot"),  # DECIDE-01: one handler may punish on the spot
        (Step.CLUE, Procedure.GENERAL, "decline_filing"),
        (Step.INVESTIGATION, Procedure.GENERAL, "submit_for_review"),
        (Step.EXECUTION, Procedure.SIMPLE, "close_case"),
    ],
)
def test_staff_01_does_not_apply_outside_investigation(step: Step, procedure: Procedure, action: str) -> None:
    # given: a case with a single uncertified handler
    snapshot = workflow.CaseSnapshot(stage=EXPECTED_STAGE[step], step=step, procedure=procedure, handlers=(ZHAO_NONE,))
    # when / then: no STAFF-01 refusal for an action that does not enter 调查取证
    workflow.check_transition(snapshot, action)


@pytest.mark.parametrize(
    ("stage", "new_handlers", "code"),
    [
        (P_START, (ZHANG,), None),
        (P_START, (ZHAO_NONE,), None),  # before investigation one uncertified handler is allowed
        (P_START, (), ErrorCode.VALIDATION_ERROR),
        (INVEST, (ZHANG, LI), None),
        (INVEST, (ZHANG,), ErrorCode.STAFFING_INSUFFICIENT),  # STAFF-01 keeps holding during investigation
        (INVEST, (ZHANG, WANG_EXPIRED), ErrorCode.STAFFING_INSUFFICIENT),
        (REVIEW, (ZHANG,), None),
        (ARCHIVE, (ZHANG, LI), ErrorCode.CASE_CLOSED),
    ],
)
def test_handler_change(
    stage: Stage, new_handlers: tuple[workflow.HandlerSnapshot, ...], code: ErrorCode | None
) -> None:
    snapshot = workflow.CaseSnapshot(
        stage=stage, procedure=Procedure.GENERAL, handlers=STAFFED, archived=stage == ARCHIVE
    )
    if code is None:
        workflow.check_handler_change(snapshot, new_handlers)
    else:
        with pytest.raises(DomainError) as err:
            workflow.check_handler_change(snapshot, new_handlers)
        assert err.value.code == code
