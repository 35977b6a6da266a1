"""Every kind of the catalogue can be drafted and sealed in each of its stages, and only there (GEN-02)."""

from __future__ import annotations

import pytest

from quancheng.cases.models import ApprovalAction
from quancheng.cases.workflow import STAGE_ORDER
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.demo.procedure import approve, sign_as_required
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.catalogue import KINDS, get_kind
from quancheng.records.models import RecordStatus

from .conftest import activity_window
from .helpers import assert_entry, entries_since, example_content

# Stages a case can be drafted in (archived cases take nothing).
OPEN_STAGES = STAGE_ORDER[:-1]


# The approval a kind's sealing waits for (EVID-03/04, EVID-05, EXEC-03, DISPOSAL-02).
APPROVAL_BEFORE_SEAL: dict[str, ApprovalAction] = {
    "preservation_notice": ApprovalAction.COERCIVE_MEASURE,
    "seizure_decision": ApprovalAction.COERCIVE_MEASURE,
    "measure_release_decision": ApprovalAction.RELEASE_MEASURE,
    "payment_schedule_decision": ApprovalAction.PAYMENT_DEFERRAL,
    "disposal_record": ApprovalAction.DISPOSAL,
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_each_kind_drafts_and_seals_in_its_first_stage(kind, make_case, zhangsan, party, cast, ledger_size) -> None:
    # given
    case = make_case(stage=kind.stages[0])
    start, end = activity_window()
    content = example_content(kind, party_id=party.pk)
    record = services.record_draft(
        actor=zhangsan,
        case=case,
        kind=kind.code,
        content=content,
        activity_started_at=start,
        activity_ended_at=end,
        place="示例市某区某路1号",
        participants=[{"name": "张三", "role": "officer", "certificate_number": "SJ-0001"}],
    )
    # and what the seal rules ask for: the signatures (INV-11, GEN-06, REVIEW-05/12, DECIDE-03) and the approval
    sign_as_required(record, cast)
    if kind.code in APPROVAL_BEFORE_SEAL:
        action = APPROVAL_BEFORE_SEAL[kind.code]
        # a release is approved for the measure it lifts (EVID-05), the others for the record itself
        approve(case, cast, action, record=None if action == ApprovalAction.RELEASE_MEASURE else record)
    before = ledger_size()
    # when
    sealed = services.record_seal(actor=zhangsan, record=record)
    # then: one entry for the seal, then only the warning findings re-evaluated after it
    assert sealed.status == RecordStatus.SEALED and sealed.content == content
    entry, *findings = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_SEALED, sealed, content)
    assert {e.action for e in findings} <= {LedgerAction.FINDING_RAISED, LedgerAction.FINDING_RESOLVED}


@pytest.mark.parametrize("code", sorted(APPROVAL_BEFORE_SEAL))
def test_kinds_needing_an_approval_are_refused_without_it(code, make_case, zhangsan, party, cast, ledger_size) -> None:
    """EVID-03/05, EXEC-03, DISPOSAL-02: sealing waits for the head's approval; refused, nothing written."""
    kind = get_kind(code)
    case = make_case(stage=kind.stages[0])
    start, end = activity_window()
    record = services.record_draft(
        actor=zhangsan,
        case=case,
        kind=code,
        content=example_content(kind, party_id=party.pk),
        activity_started_at=start,
        activity_ended_at=end,
        place="示例市某区某路1号",
        participants=[{"name": "张三", "role": "officer", "certificate_number": "SJ-0001"}],
    )
    sign_as_required(record, cast)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_seal(actor=zhangsan, record=record)
    assert err.value.code == ErrorCode.RULE_VIOLATION
    assert err.value.extra["requirement"]
    assert ledger_size() == before
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT


@pytest.mark.parametrize(
    ("kind", "stage"),
    [(k, s) for k in KINDS for s in OPEN_STAGES if s not in k.stages],
    ids=lambda v: getattr(v, "code", None) or str(v),
)
def test_each_kind_is_refused_outside_its_stages(kind, stage, make_case, zhangsan, ledger_size) -> None:
    case = make_case(stage=stage)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind=kind.code, content={})
    assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert ledger_size() == before
