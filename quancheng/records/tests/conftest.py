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
from quancheng.evidence import services as evidence
from quancheng.evidence.models import MediaKind
from quancheng.evidence.storage import get_blob_store
from quancheng.records import services
from quancheng.records.models import Record

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


@pytest.fixture
def sealed_inquiry(draft_inquiry: Callable[..., Record], zhangsan: User) -> Record:
    return services.record_seal(actor=zhangsan, record=draft_inquiry())


@pytest.fixture
def signature_image(case: Case, zhangsan: User) -> str:
    """The SHA-256 of a scanned signature, uploaded as media of the case."""
    stored = get_blob_store().put_chunks([b"\x89PNG\r\n\x1a\n scanned signature of chen"])
    evidence.media_ingest(actor=zhangsan, case=case, stored=stored, kind=MediaKind.PHOTO, content_type="image/png")
    return stored.sha256
