"""record_draft: a record of a catalogue kind on a case the actor may write, in a stage the kind allows."""

from __future__ import annotations

import pytest

from quancheng.cases.models import Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.models import Record, RecordStatus

from .conftest import INQUIRY_PARTICIPANTS, activity_window, inquiry_content
from .helpers import assert_entry, entries_since


def test_draft_stores_the_record_and_appends_a_drafted_entry(case, zhangsan, party, ledger_size) -> None:
    # given
    before = ledger_size()
    start, end = activity_window()
    content = {"interviewee_name": "陈某", "party": party.pk}  # a draft may be incomplete
    # when
    record = services.record_draft(
        actor=zhangsan,
        case=case,
        kind="inquiry_transcript",
        content=content,
        activity_started_at=start,
        activity_ended_at=end,
        place="  门店  ",
        participants=INQUIRY_PARTICIPANTS,
        page_count=2,
    )
    # then
    record.refresh_from_db()
    assert record.status == RecordStatus.DRAFT
    assert record.kind == "inquiry_transcript"
    assert record.stage == Stage.INVESTIGATION_EVIDENCE
    assert record.content == content
    assert record.place == "门店"
    assert record.participants == INQUIRY_PARTICIPANTS
    assert record.author == zhangsan
    assert record.version == 1 and record.supersedes is None
    [entry] = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_DRAFTED, record, content)


def test_draft_with_naive_times_stores_them_in_local_time(case, zhangsan) -> None:
    # given: a naive time, as a form or script might pass it
    from datetime import datetime

    naive = datetime(2026, 3, 1, 9, 30)
    # when
    record = services.record_draft(
        actor=zhangsan, case=case, kind="general_activity_record", content={}, activity_started_at=naive
    )
    # then: read as Asia/Shanghai, i.e. 01:30 UTC
    record.refresh_from_db()
    assert record.activity_started_at.utcoffset().total_seconds() == 0
    assert (record.activity_started_at.hour, record.activity_started_at.minute) == (1, 30)


def test_unknown_kind_is_refused_and_nothing_written(case, zhangsan, ledger_size) -> None:
    before, rows = ledger_size(), Record.objects.count()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind="love_letter", content={})
    assert err.value.code == ErrorCode.UNKNOWN_RECORD_KIND
    assert "love_letter" in err.value.message
    assert ledger_size() == before
    assert Record.objects.count() == rows


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"interviewee_name": 42}, "interviewee_name"),
        ({"certificates_shown": "yes"}, "certificates_shown"),
        ({"hobby": "钓鱼"}, "hobby"),
        ({"questions_answers": [{"question": "问", "reply": "答"}]}, "questions_answers"),
    ],
)
def test_draft_with_wrongly_shaped_content_is_refused(case, zhangsan, ledger_size, content, field) -> None:
    """Drafts may be incomplete, but never of the wrong shape: wrong types and unknown fields are refused."""
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind="inquiry_transcript", content=content)
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert field in err.value.extra["errors"]
    assert ledger_size() == before


def test_party_not_on_the_case_is_refused(case, zhangsan, other_party, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind="inquiry_transcript", content={"party": other_party.pk})
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert err.value.extra["errors"]["party"] == ["所选当事人不是本案当事人"]
    assert ledger_size() == before


def test_end_before_start_is_refused_even_in_a_draft(case, zhangsan, ledger_size) -> None:
    """GEN-10: the activity's end cannot precede its start."""
    before = ledger_size()
    start, end = activity_window()
    with pytest.raises(DomainError) as err:
        services.record_draft(
            actor=zhangsan,
            case=case,
            kind="general_activity_record",
            content={},
            activity_started_at=end,
            activity_ended_at=start,
        )
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert "activity_ended_at" in err.value.extra["errors"]
    assert ledger_size() == before


def test_two_interviewees_in_one_inquiry_are_refused(case, zhangsan, ledger_size) -> None:
    """INV-09: 询问调查应当个别进行."""
    before = ledger_size()
    participants = [*INQUIRY_PARTICIPANTS, {"name": "王某", "role": "interviewee"}]
    with pytest.raises(DomainError) as err:
        services.record_draft(
            actor=zhangsan, case=case, kind="inquiry_transcript", content={}, participants=participants
        )
    assert err.value.code == ErrorCode.RECORD_CONTENT_INVALID
    assert any("个别进行" in m for m in err.value.extra["errors"]["participants"])
    assert ledger_size() == before


def test_kind_outside_its_stages_is_refused(make_case, zhangsan, party, ledger_size) -> None:
    """An inquiry belongs to investigation or review, not to 程序启动 (GEN-02)."""
    case = make_case(stage=Stage.PROGRAM_START)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind="inquiry_transcript", content=inquiry_content(party.pk))
    assert err.value.code == ErrorCode.TRANSITION_NOT_ALLOWED
    assert "询问笔录" in err.value.message and "程序启动" in err.value.message
    assert ledger_size() == before


def test_filing_approval_is_drafted_in_program_start(make_case, zhangsan) -> None:
    case = make_case(stage=Stage.PROGRAM_START)
    record = services.record_draft(actor=zhangsan, case=case, kind="case_filing_approval", content={})
    assert record.stage == Stage.PROGRAM_START


def test_archived_case_refuses_new_records(make_case, zhangsan, ledger_size) -> None:
    case = make_case(stage=Stage.ARCHIVE)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=zhangsan, case=case, kind="general_activity_record", content={})
    assert err.value.code == ErrorCode.CASE_CLOSED
    assert ledger_size() == before


def test_supervisor_may_not_draft(case, supervisor, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=supervisor, case=case, kind="general_activity_record", content={})
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before


def test_officer_of_another_agency_does_not_see_the_case(case, outsider, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.record_draft(actor=outsider, case=case, kind="general_activity_record", content={})
    assert err.value.code == ErrorCode.NOT_FOUND
    assert ledger_size() == before
