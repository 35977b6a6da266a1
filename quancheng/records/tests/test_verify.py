"""Every record write leaves the ledger verifiable, and a changed record row is caught by ``verify``."""

from __future__ import annotations

from quancheng.ledger.verify import ProblemKind, verify_problems
from quancheng.records import services
from quancheng.records.models import Record
from quancheng.records.tests.helpers import interviewee_signs


def test_record_lifecycle_verifies_and_a_changed_byte_is_caught(draft_inquiry, zhangsan, signature_image) -> None:
    # given: a record drafted, edited, sealed, signed and corrected
    record = draft_inquiry()
    services.record_update_draft(actor=zhangsan, record=record, page_count=2)
    services.record_seal(actor=zhangsan, record=record)
    interviewee_signs(record, actor=zhangsan, image=signature_image, page=1)
    services.record_correct(
        actor=zhangsan, record=record, content=dict(record.content) | {"recusal_requested": False}, reason="补记"
    )
    # then: everything is intact
    assert verify_problems() == []
    # when: one character of the original's content is changed behind the services' back
    content = dict(Record.objects.get(pk=record.pk).content)
    content["interviewee_name"] = "陈某某"
    Record.objects.filter(pk=record.pk).update(content=content)
    # then: verify names that row, and only that row
    problems = verify_problems()
    assert [(p.kind, p.subject) for p in problems] == [(ProblemKind.CHANGED_ROW, f"record:{record.pk}")]
