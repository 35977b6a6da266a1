"""GEN-02 lifecycle table, DECIDE-01 simple-procedure shortcut, STAFF-01 staffing: pure checks over snapshots."""

from __future__ import annotations

import pytest

from quancheng.cases import workflow
from quancheng.cases.models import Procedure, Stage
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


# (procedure, from, to, allowed?) — the whole 2 × 5 × 5 table, spelled out.
ALLOWED = {
    (Procedure.GENERAL, P_START, INVEST),
    (Procedure.GENERAL, INVEST, REVIEW),
    (Procedure.GENERAL, REVIEW, SERVE),
    (Procedure.GENERAL, SERVE, ARCHIVE),
    (Procedure.SIMPLE, P_START, INVEST),
    (Procedure.SIMPLE, INVEST, REVIEW),
    (Procedure.SIMPLE, REVIEW, SERVE),
    (Procedure.SIMPLE, SERVE, ARCHIVE),
    (Procedure.SIMPLE, P_START, SERVE),  # DECIDE-01: 当场处罚 goes straight to service and execution
}
TABLE = [
    (procedure, src, dst, (procedure, src, dst) in ALLOWED)
    for procedure in Procedure
    for src in workflow.STAGE_ORDER
    for dst in workflow.STAGE_ORDER
    if src != ARCHIVE
]


@pytest.mark.parametrize(("procedure", "src", "dst", "allowed"), TABLE)
def test_transition_table(procedure: Procedure, src: Stage, dst: Stage, allowed: bool) -> None:
    # given
    snapshot = workflow.CaseSnapshot(stage=src, procedure=procedure, handlers=STAFFED)
    # when / then
    if allowed:
        workflow.check_transition(snapshot, dst)
    else:
        with pytest.raises(DomainError) as err:
            workflow.check_transition(snapshot, dst)
        assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
        assert err.value.status == 409


@pytest.mark.parametrize("dst", list(workflow.STAGE_ORDER))
def test_an_archived_case_goes_nowhere(dst: Stage) -> None:
    snapshot = workflow.CaseSnapshot(stage=ARCHIVE, procedure=Procedure.GENERAL, handlers=STAFFED, archived=True)
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, dst)
    assert err.value.code == ErrorCode.CASE_CLOSED


def test_unknown_target_stage_is_a_validation_error() -> None:
    snapshot = workflow.CaseSnapshot(stage=P_START, procedure=Procedure.GENERAL, handlers=STAFFED)
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, "closed")
    assert err.value.code == ErrorCode.VALIDATION_ERROR


def test_refusal_names_the_allowed_next_stages() -> None:
    snapshot = workflow.CaseSnapshot(stage=P_START, procedure=Procedure.SIMPLE, handlers=STAFFED)
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, ARCHIVE)
    assert "调查取证" in err.value.message and "送达执行" in err.value.message


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
    snapshot = workflow.CaseSnapshot(stage=P_START, procedure=Procedure.GENERAL, handlers=handlers)
    # when / then
    if allowed:
        workflow.check_transition(snapshot, INVEST)
        return
    with pytest.raises(DomainError) as err:
        workflow.check_transition(snapshot, INVEST)
    assert err.value.code == ErrorCode.STAFFING_INSUFFICIENT
    assert err.value.extra["lacking"] == named_as_lacking
    for name in named_as_lacking:
        assert name in err.value.message


@pytest.mark.parametrize("dst", [REVIEW, SERVE])
def test_staff_01_does_not_apply_outside_investigation(dst: Stage) -> None:
    # given: a simple-procedure case with one handler may go straight to service (DECIDE-01)
    src = INVEST if dst == REVIEW else P_START
    snapshot = workflow.CaseSnapshot(stage=src, procedure=Procedure.SIMPLE, handlers=(ZHAO_NONE,))
    # when / then: no STAFF-01 refusal
    workflow.check_transition(snapshot, dst)


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


@pytest.mark.parametrize(
    ("stage", "procedure", "expected"),
    [
        (P_START, Procedure.GENERAL, [INVEST]),
        (P_START, Procedure.SIMPLE, [INVEST, SERVE]),
        (SERVE, Procedure.GENERAL, [ARCHIVE]),
        (ARCHIVE, Procedure.GENERAL, []),
    ],
)
def test_allowed_targets(stage: Stage, procedure: Procedure, expected: list[Stage]) -> None:
    assert workflow.allowed_targets(stage, procedure) == expected
