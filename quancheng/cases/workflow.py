"""The case lifecycle as data (GEN-02), and the checks a stage change must pass. Pure: no database.

Services build a ``CaseSnapshot`` from the locked case row and call ``check_transition`` before they write
anything; a refusal raises ``DomainError`` and nothing is written (Dispatch's flows, minus warn-only).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from quancheng.core.errors import DomainError, ErrorCode

from .models import Procedure, Stage

# GEN-02: 程序启动 → 调查取证 → 审查决定 → 送达执行 → 归档管理, in this order.
STAGE_ORDER: tuple[Stage, ...] = (
    Stage.PROGRAM_START,
    Stage.INVESTIGATION_EVIDENCE,
    Stage.REVIEW_DECISION,
    Stage.SERVICE_EXECUTION,
    Stage.ARCHIVE,
)

# STAFF-01: 由2名以上持有效行政执法证件的人员负责承办调查取证工作.
STAFF_01_MIN_OFFICERS = 2

# Stages whose work is investigation and so needs STAFF-01's staffing while the case is in them.
STAFF_01_STAGES: frozenset[Stage] = frozenset({Stage.INVESTIGATION_EVIDENCE})


def _sequential() -> frozenset[tuple[Stage, Stage]]:
    return frozenset(itertools.pairwise(STAGE_ORDER))


# Allowed (from, to) pairs per procedure. The general procedure walks the stages one by one (GEN-02). The
# simple procedure (当场处罚, DECIDE-01) may also go from program start straight to service and execution.
TRANSITIONS: dict[Procedure, frozenset[tuple[Stage, Stage]]] = {
    Procedure.GENERAL: _sequential(),
    Procedure.SIMPLE: _sequential() | {(Stage.PROGRAM_START, Stage.SERVICE_EXECUTION)},
}


@dataclass(frozen=True)
class HandlerSnapshot:
    """One current handler, with whether their 执法证 is valid on the day in question (STAFF-01)."""

    user_id: int
    name: str
    has_valid_certificate: bool


@dataclass(frozen=True)
class CaseSnapshot:
    stage: Stage | str
    procedure: Procedure | str
    handlers: tuple[HandlerSnapshot, ...] = ()
    archived: bool = False


def stage_label(stage: Stage | str) -> str:
    try:
        return Stage(stage).label
    except ValueError:
        return str(stage)


def allowed_targets(stage: Stage | str, procedure: Procedure | str) -> list[Stage]:
    """The stages a case in ``stage`` under ``procedure`` may move to next, in lifecycle order."""
    pairs = TRANSITIONS.get(Procedure(procedure), frozenset())
    return [to for to in STAGE_ORDER if (Stage(stage), to) in pairs]


def check_staffing(handlers: Iterable[HandlerSnapshot]) -> None:
    """STAFF-01: at least ``STAFF_01_MIN_OFFICERS`` handlers hold a certificate valid on the day."""
    handlers = tuple(handlers)
    certified = [h for h in handlers if h.has_valid_certificate]
    if len(certified) >= STAFF_01_MIN_OFFICERS:
        return
    lacking = [h.name for h in handlers if not h.has_valid_certificate]
    message = (
        f"调查取证须由{STAFF_01_MIN_OFFICERS}名以上持有效执法证件的人员承办(STAFF-01),"
        f"目前持有效执法证件的承办人为{len(certified)}名"
    )
    if lacking:
        message += f";以下承办人当日无有效执法证件:{'、'.join(lacking)}"
    raise DomainError(
        ErrorCode.STAFFING_INSUFFICIENT,
        message,
        required=STAFF_01_MIN_OFFICERS,
        certified=len(certified),
        lacking=lacking,
    )


def check_transition(snapshot: CaseSnapshot, to_stage: Stage | str) -> None:
    """Raise unless ``snapshot`` may move to ``to_stage`` now; called before any write."""
    if snapshot.archived or snapshot.stage == Stage.ARCHIVE:
        raise DomainError(ErrorCode.CASE_CLOSED)
    try:
        target = Stage(to_stage)
    except ValueError:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"未知的案件环节:{to_stage}") from None
    current = Stage(snapshot.stage)
    if (current, target) not in TRANSITIONS[Procedure(snapshot.procedure)]:
        options = "、".join(s.label for s in allowed_targets(current, snapshot.procedure)) or "无"
        raise DomainError(
            ErrorCode.TRANSITION_NOT_ALLOWED,
            f"案件不能从“{current.label}”转入“{target.label}”(当前可转入:{options})",
        )
    if target in STAFF_01_STAGES:  # STAFF-01
        check_staffing(snapshot.handlers)


def check_handler_change(snapshot: CaseSnapshot, new_handlers: Iterable[HandlerSnapshot]) -> None:
    """Raise unless the case may have ``new_handlers`` as its handlers.

    While a case is being investigated, STAFF-01 must keep holding: a change may not leave fewer than
    ``STAFF_01_MIN_OFFICERS`` certified handlers on it.
    """
    if snapshot.archived or snapshot.stage == Stage.ARCHIVE:
        raise DomainError(ErrorCode.CASE_CLOSED)
    new_handlers = tuple(new_handlers)
    if not new_handlers:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "至少须指定一名承办人")
    if Stage(snapshot.stage) in STAFF_01_STAGES:  # STAFF-01
        check_staffing(new_handlers)
