"""signature_add: signatures on the finished text, page by page for 笔录 (INV-11/12); refusals noted with a
reason and a witness (DECIDE-04)."""

from __future__ import annotations

import hashlib

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.ledger.models import LedgerAction
from quancheng.records import services
from quancheng.records.models import PersonRole, Record, Signature, SignatureMethod

from .helpers import assert_entry, entries_since, interviewee_signs


def test_interviewee_signs_a_page_and_an_entry_binds_it_to_the_content(
    draft_inquiry, zhangsan, signature_image, ledger_size
) -> None:
    # given: the finished wording, not yet sealed (INV-11: signed after confirming it, then sealed)
    sealed_inquiry = draft_inquiry()
    before = ledger_size()
    # when
    signature = services.signature_add(
        actor=zhangsan,
        record=sealed_inquiry,
        signer_name="陈某",
        signer_role=PersonRole.INTERVIEWEE,
        method=SignatureMethod.HANDWRITTEN,
        page=2,
        image_sha256=signature_image.upper(),  # normalised to lower case
    )
    # then
    signature.refresh_from_db()
    assert (signature.record_id, signature.page, signature.signer_name) == (sealed_inquiry.pk, 2, "陈某")
    assert signature.image_sha256 == signature_image
    assert signature.recorded_by == zhangsan
    [entry] = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_SIGNED, signature, sealed_inquiry.content)


def test_refusal_is_noted_with_reason_and_witness(draft_inquiry, zhangsan, ledger_size) -> None:
    """DECIDE-04: 当事人拒绝签名的,承办人员注明情况."""
    sealed_inquiry = draft_inquiry()
    before = ledger_size()
    signature = services.signature_add(
        actor=zhangsan,
        record=sealed_inquiry,
        signer_name="陈某",
        signer_role=PersonRole.INTERVIEWEE,
        method=SignatureMethod.REFUSED,
        page=1,
        refusal_reason="被询问人认为笔录无误但拒绝签字",
        witness_name="门店店员王某",
    )
    assert signature.method == SignatureMethod.REFUSED
    [entry] = entries_since(before)
    assert_entry(entry, LedgerAction.RECORD_SIGNED, signature, sealed_inquiry.content)


def test_officer_signature_may_name_the_officer_user(sealed_inquiry, zhangsan, lisi, signature_image) -> None:
    signature = services.signature_add(
        actor=zhangsan,
        record=sealed_inquiry,
        signer_name="李四",
        signer_role=PersonRole.OFFICER,
        method=SignatureMethod.HANDWRITTEN,
        page=3,
        image_sha256=signature_image,
        signer_user=lisi,
    )
    assert signature.signer_user == lisi


UNKNOWN_IMAGE = hashlib.sha256(b"never uploaded").hexdigest()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"page": None}, "逐页签名"),  # INV-11/12
        ({"page": 4}, "页码应在1至3之间"),
        ({"page": 0}, "页码应在1至3之间"),
        ({"signer_name": "  "}, "请填写签名人"),
        ({"signer_role": "king"}, "签名人身份"),
        ({"method": "telepathy"}, "签名方式"),
        ({"image_sha256": ""}, "SHA-256"),
        ({"image_sha256": "abc"}, "64位十六进制"),
        ({"image_sha256": UNKNOWN_IMAGE}, "尚未上传"),
        ({"refusal_reason": "拒签"}, "不应填写拒签情况"),
        ({"method": "refused", "image_sha256": ""}, "注明拒签情况"),
        ({"method": "refused", "image_sha256": "", "refusal_reason": "拒签"}, "见证人"),
    ],
)
def test_bad_signatures_are_refused_and_nothing_written(
    draft_inquiry, zhangsan, signature_image, ledger_size, overrides, message
) -> None:
    record = draft_inquiry()
    kwargs = {
        "actor": zhangsan,
        "record": record,
        "signer_name": "陈某",
        "signer_role": PersonRole.INTERVIEWEE,
        "method": SignatureMethod.HANDWRITTEN,
        "page": 1,
        "image_sha256": signature_image,
    }
    kwargs.update(overrides)
    before, rows_before = ledger_size(), Signature.objects.count()
    with pytest.raises(DomainError) as err:
        services.signature_add(**kwargs)
    assert err.value.code == ErrorCode.INVALID_SIGNATURE
    assert message in err.value.message
    assert ledger_size() == before
    assert Signature.objects.count() == rows_before
    assert not Signature.objects.filter(record=record).exists()


def test_image_uploaded_by_another_agency_does_not_count(
    sealed_inquiry, zhangsan, other_agency_case, outsider, ledger_size
) -> None:
    """The image must be this agency's upload; otherwise signing would reveal what other agencies store."""
    from quancheng.demo import media
    from quancheng.evidence import services as evidence
    from quancheng.evidence.models import MediaKind
    from quancheng.evidence.storage import get_blob_store

    stored = get_blob_store().put_chunks([media.png(40, 20, 99)])  # someone else's scan
    evidence.media_ingest(
        actor=outsider, case=other_agency_case, stored=stored, kind=MediaKind.PHOTO, content_type="image/png"
    )
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.signature_add(
            actor=zhangsan,
            record=sealed_inquiry,
            signer_name="陈某",
            signer_role=PersonRole.INTERVIEWEE,
            method=SignatureMethod.HANDWRITTEN,
            page=1,
            image_sha256=stored.sha256,
        )
    assert err.value.code == ErrorCode.INVALID_SIGNATURE
    assert ledger_size() == before


def test_non_transcript_may_be_signed_without_a_page(case, zhangsan, party, signature_image) -> None:
    record = services.record_draft(
        actor=zhangsan,
        case=case,
        kind="rights_notice",
        content={
            "party": party.pk,
            "rights": ["statement", "defence", "hearing"],
            "method": "written",
            "notified_at": "2026-03-01T09:30:00+08:00",
        },
    )
    services.record_seal(actor=zhangsan, record=record)
    signature = services.signature_add(
        actor=zhangsan,
        record=record,
        signer_name="陈某",
        signer_role=PersonRole.PARTY,
        method=SignatureMethod.SEAL,
        image_sha256=signature_image,
    )
    assert signature.page is None


def test_a_signed_draft_can_no_longer_be_edited(draft_inquiry, zhangsan, signature_image, ledger_size) -> None:
    """Signatures vouch for the finished text (INV-11: 经被询问人确认无误后): a draft is signed before it is
    sealed, and once signed its wording is fixed."""
    # given: a draft the interviewee has signed on page 1
    record = draft_inquiry()
    interviewee_signs(record, actor=zhangsan, image=signature_image, page=1)
    stored = Record.objects.get(pk=record.pk)
    before = ledger_size()
    # when
    with pytest.raises(DomainError) as err:
        services.record_update_draft(actor=zhangsan, record=record, place="别处")
    # then
    assert err.value.code == ErrorCode.RECORD_SEALED
    assert ledger_size() == before
    assert Record.objects.get(pk=record.pk).ledger_digest() == stored.ledger_digest()


def test_a_superseded_version_cannot_be_signed(sealed_inquiry, zhangsan, signature_image, ledger_size) -> None:
    services.record_correct(
        actor=zhangsan, record=sealed_inquiry, content=dict(sealed_inquiry.content), reason="补正页数", seal=False
    )
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        interviewee_signs(sealed_inquiry, actor=zhangsan, image=signature_image, page=1)
    assert err.value.code == ErrorCode.RECORD_SUPERSEDED
    assert ledger_size() == before


def test_the_same_person_signs_a_page_once(draft_inquiry, zhangsan, signature_image, ledger_size) -> None:
    record = draft_inquiry()
    kwargs = {
        "actor": zhangsan,
        "record": record,
        "signer_name": "陈某",
        "signer_role": PersonRole.INTERVIEWEE,
        "method": SignatureMethod.FINGERPRINT,
        "page": 1,
        "image_sha256": signature_image,
    }
    services.signature_add(**kwargs)
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        services.signature_add(**kwargs)
    assert err.value.code == ErrorCode.DUPLICATE
    assert ledger_size() == before
    # the next page is a separate signature
    services.signature_add(**{**kwargs, "page": 2})
    assert Signature.objects.filter(record=record).count() == 2


def test_supervisor_may_not_record_signatures(sealed_inquiry, supervisor, signature_image, ledger_size) -> None:
    before = ledger_size()
    with pytest.raises(DomainError) as err:
        interviewee_signs(sealed_inquiry, actor=supervisor, image=signature_image, page=1)
    assert err.value.code == ErrorCode.PERMISSION_DENIED
    assert ledger_size() == before
