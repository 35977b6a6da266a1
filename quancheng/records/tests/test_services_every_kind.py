"""Every kind of the catalogue can be drafted and sealed in each of its stages, and only there (GEN-02)."""

from __future__ import annotations

import pytest

from quancheng.cases.workflow import STAGE_ORDER
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.catalogue import KINDS
from quancheng.records.models import RecordStatus

from .conftest import activity_window
from .helpers import assert_entry, entries_since, example_content

# Stages a case can be drafted in (archived cases take nothing).
OPEN_STAGES = STAGE_ORDER[:-1]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.code)
def test_each_kind_drafts_and_seals_in_its_first_stage(kind, make_case, zhangsan, party, ledger_size) -> None:
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
    before = ledger_size()
    # when
    sealed = services.record_seal(actor=zhangsan, record=record)
    # then
    assert sealed.status == RecordStatus.SEALED and sealed.content == content
    [entry] = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_SEALED, sealed, content)


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
