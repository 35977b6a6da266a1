"""Fixtures for the records app: parties, cases in any stage, ready-to-seal content per kind, a stored
signature image. Cases are opened and moved through the stages by the cases app's own services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from quancheng.accounts.models import Agency, Unit, User
from quancheng.cases import services as cases
from quancheng.cases.models import ActType, Case, CaseSource, Party, PartyKind, Procedure, Stage
from quancheng.demo import media
from quancheng.evidence import services as evidence
from quancheng.evidence.models import MediaKind
from quancheng.evidence.storage import get_blob_store
from quancheng.records import services
from quancheng.records.models import PersonRole, Record, SignatureMethod

# GB 11643-1999's own worked example and the USCC example of GB 32100-2015 explanations.
VALID_ID_NUMBER = "11010519491231002X"
VALID_USCC = "91350100M000100Y43"


@pytest.fixture
def party(zhangsan: User, agency: Agency) -> Party:
    return cases.party_create(
        actor=zhangsan,
        agency=agency,
        kind=PartyKind.ORGANISATION,
        name="示例市某食品有限公司",
        id_number=VALID_USCC,
        legal_representative="陈某",
        address="示例市某区某路1号",
        contact="0531-12345678",
    )


@pytest.fixture
def other_party(zhangsan: User, agency: Agency) -> Party:
    """A party of the same agency that is not on the case."""
    return cases.party_create(
        actor=zhangsan, agency=agency, kind=PartyKind.PERSON, name="刘某", id_number=VALID_ID_NUMBER
    )


@pytest.fixture
def make_case(
    agency: Agency, unit: Unit, zhangsan: User, lisi: User, party: Party, walk_case: Callable[..., Case]
) -> Callable[..., Case]:
    """``make_case(stage=...)`` → a general-procedure penalty case of 张三 and 李四 with ``party``, moved
    through the stages in order up to ``stage``."""

    def make(stage: Stage = Stage.INVESTIGATION_EVIDENCE, **overrides: Any) -> Case:
        kwargs: dict[str, Any] = {
            "actor": zhangsan,
            "agency": agency,
            "unit": unit,
            "title": "涉嫌销售过期食品案",
            "act_type": ActType.PENALTY,
            "source": CaseSource.INSPECTION,
            "procedure": Procedure.GENERAL,
            "handlers": (zhangsan, lisi),
            "parties": (party,),
        }
        kwargs.update(overrides)
        case = cases.case_open(**kwargs)
        walk_case(case, stage, party=party)
        case.refresh_from_db()
        return case

    return make


@pytest.fixture
def case(make_case: Callable[..., Case]) -> Case:
    """A case in 调查取证."""
    return make_case()


@pytest.fixture
def other_agency_case(other_agency: Agency, outsider: User) -> Case:
    from quancheng.accounts import services as accounts

    other_unit = accounts.unit_create(actor=None, agency=other_agency, name="稽查科")
    return cases.case_open(
        actor=outsider,
        agency=other_agency,
        unit=other_unit,
        title="另一机关的案件",
        act_type=ActType.PENALTY,
        source=CaseSource.REPORT,
        procedure=Procedure.GENERAL,
        handlers=(outsider,),
    )


def activity_window(hours_ago: int = 3, minutes: int = 45) -> tuple[Any, Any]:
    start = timezone.now().replace(microsecond=0) - timedelta(hours=hours_ago)
    return start, start + timedelta(minutes=minutes)


def inquiry_content(party_id: int) -> dict[str, Any]:
    """A complete 询问笔录."""
    return {
        "interviewee_name": "陈某",
        "interviewee_capacity": "party",
        "interviewee_id_document": "居民身份证 11010519491231002X",
        "party": party_id,
        "officers": [
            {"name": "张三", "certificate_number": "SJ-0001"},
            {"name": "李四", "certificate_number": "SJ-0002"},
        ],
        "certificates_shown": True,
        "identity_verified": True,
        "rights_informed": True,
        "questions_answers": [
            {"question": "我们是示例市市场监督管理局的执法人员,现依法向你询问,你是否听清?", "answer": "听清了。"},
            {"question": "店内货架上的过期酸奶是谁进的货?", "answer": "是我进的货。"},
        ],
    }


INQUIRY_PARTICIPANTS = [
    {"name": "张三", "role": "officer", "certificate_number": "SJ-0001"},
    {"name": "李四", "role": "recorder", "certificate_number": "SJ-0002"},
    {"name": "陈某", "role": "interviewee"},
]


@pytest.fixture
def draft_inquiry(case: Case, zhangsan: User, party: Party) -> Callable[..., Record]:
    """``draft_inquiry(**overrides)`` → a complete, unsealed 询问笔录 of 3 pages on ``case``."""

    def make(**overrides: Any) -> Record:
        start, end = activity_window()
        kwargs: dict[str, Any] = {
            "actor": zhangsan,
            "case": case,
            "kind": "inquiry_transcript",
            "content": inquiry_content(party.pk),
            "activity_started_at": start,
            "activity_ended_at": end,
            "place": "示例市某区某路1号 示例市某食品有限公司门店",
            "participants": INQUIRY_PARTICIPANTS,
            "page_count": 3,
        }
        kwargs.update(overrides)
        return services.record_draft(**kwargs)

    return make


def sign_inquiry(record: Record, *, actor: User, image: str) -> Record:
    """The signatures a 询问笔录 needs before it is sealed: 陈某 on every page (INV-11/12) and the officer
    ``actor`` (GEN-06)."""
    record.refresh_from_db()
    for page in range(1, record.page_count + 1):
        services.signature_add(
            actor=actor,
            record=record,
            signer_name="陈某",
            signer_role=PersonRole.INTERVIEWEE,
            method=SignatureMethod.HANDWRITTEN,
            page=page,
            image_sha256=image,
        )
    services.signature_add(
        actor=actor,
        record=record,
        signer_name=actor.full_name,
        signer_role=PersonRole.OFFICER,
        method=SignatureMethod.HANDWRITTEN,
        page=1,
        image_sha256=image,
        signer_user=actor,
    )
    record.refresh_from_db()
    return record


@pytest.fixture
def sign_and_seal(zhangsan: User, signature_image: str) -> Callable[[Record], Record]:
    """``sign_and_seal(inquiry)`` → the 询问笔录 signed as INV-11/GEN-06 require, then sealed."""

    def seal(record: Record) -> Record:
        sign_inquiry(record, actor=zhangsan, image=signature_image)
        return services.record_seal(actor=zhangsan, record=record)

    return seal


@pytest.fixture
def correct_inquiry(zhangsan: User, signature_image: str) -> Callable[..., Record]:
    """``correct_inquiry(record, content, reason, actor=...)`` → the correction of a sealed 询问笔录 made as a
    draft, signed again and sealed (a 笔录 is only sealed once signed)."""

    def correct(record: Record, content: dict[str, Any], reason: str, *, actor: User | None = None) -> Record:
        correction = services.record_correct(
            actor=actor or zhangsan, record=record, content=content, reason=reason, seal=False
        )
        sign_inquiry(correction, actor=actor or zhangsan, image=signature_image)
        return services.record_seal(actor=actor or zhangsan, record=correction)

    return correct


@pytest.fixture
def sealed_inquiry(draft_inquiry: Callable[..., Record], sign_and_seal: Callable[[Record], Record]) -> Record:
    return sign_and_seal(draft_inquiry())


@pytest.fixture
def signature_image(case: Case, zhangsan: User) -> str:
    """The SHA-256 of a scanned signature, uploaded as media of the case."""
    stored = get_blob_store().put_chunks([media.png(48, 16, 7)])  # a real image: media is probed on ingest
    evidence.media_ingest(actor=zhangsan, case=case, stored=stored, kind=MediaKind.PHOTO, content_type="image/png")
    return stored.sha256


@pytest.fixture
def cast(
    zhangsan: User, lisi: User, reviewer: User, unit_head: User, principal_head: User, leader: User, party: Party
) -> Any:
    """Who does what in ``quancheng.demo.procedure`` (张三 handles, 李四 partners, the heads approve, ``party`` is
    the party): used to sign and approve what a record needs before it is sealed."""
    from quancheng.demo.procedure import Cast

    return Cast(
        author=zhangsan,
        partner=lisi,
        principal_head=principal_head,
        unit_head=unit_head,
        reviewer=reviewer,
        party=party,
        leader=leader,
    )
