"""Every record write leaves the ledger verifiable, and a changed record row is caught by ``verify``."""

from __future__ import annotations

from quancheng.ledger.verify import ProblemKind, verify_problems
from quancheng.records import services
from quancheng.records.models import PersonRole, Record, SignatureMethod
from quancheng.records.tests.conftest import sign_inquiry


def test_record_lifecycle_verifies_and_a_changed_byte_is_caught(
    draft_inquiry, zhangsan, lisi, signature_image, correct_inquiry
) -> None:
    # given: a record drafted, edited, signed, sealed, signed late and corrected (the correction signed and sealed)
    record = draft_inquiry()
    services.record_update_draft(actor=zhangsan, record=record, page_count=2)
    sign_inquiry(record, actor=zhangsan, image=signature_image)
    services.record_seal(actor=zhangsan, record=record)
    services.signature_add(
        actor=zhangsan,
        record=record,
        signer_name=lisi.full_name,
        signer_role=PersonRole.RECORDER,
        method=SignatureMethod.HANDWRITTEN,
        page=2,
        image_sha256=signature_image,
        signer_user=lisi,
    )
    correct_inquiry(record, dict(record.content) | {"recusal_requested": False}, "补记")
    # then: everything is intact
    assert verify_problems() == []
    # when: one character of the original's content is changed behind the services' back
    content = dict(Record.objects.get(pk=record.pk).content)
    content["interviewee_name"] = "陈某某"
    Record.objects.filter(pk=record.pk).update(content=content)
    # then: verify names that row, and only that row
    problems = verify_problems()
    assert [(p.kind, p.subject) for p in problems] == [(ProblemKind.CHANGED_ROW, f"record:{record.pk}")]
