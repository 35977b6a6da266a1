"""media_link_case: footage recorded outside a case is linked to a case, a stage and a record, once (EVID-02), so the
AV-* rules can count it by case, stage, record and kind."""

from __future__ import annotations

import pytest

from quancheng.cases.models import Case, Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import selectors, services
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples


@pytest.fixture
def footage(agency, zhangsan):
    staged = stage_chunks(get_blob_store(), [samples.mp4()])
    return services.media_ingest(actor=zhangsan, agency=agency, stored=staged, kind="video", content_type="video/mp4")


def test_link_sets_case_stage_and_record_and_is_ledgered(case: Case, footage, record, lisi) -> None:
    # given
    Case.objects.filter(pk=case.pk).update(stage=Stage.INVESTIGATION_EVIDENCE)  # set-up only
    # when
    linked = services.media_link_case(actor=lisi, media=footage, case=case, stage=Stage.PROGRAM_START, record=record)
    # then
    linked.refresh_from_db()
    assert (linked.case_id, linked.stage, linked.record_id) == (case.pk, Stage.PROGRAM_START, record.pk)
    assert linked.effective_retention_class == "evidence"  # ARCHIVE-01: kept with the case file now
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.subject, entry.actor) == (
        LedgerAction.MEDIA_LINKED,
        f"media:{footage.pk}",
        f"user:{lisi.pk}",
    )
    assert entry.digests == {"row": linked.ledger_digest(), "blob": linked.blob_id}
    # then: the AV-* rules' counts see it
    assert selectors.media_counts_for_case(case.pk) == [
        {"stage": Stage.PROGRAM_START, "record_id": record.pk, "kind": "video", "count": 1}
    ]


def test_linking_again_the_same_way_changes_nothing(case, footage, zhangsan, ledger_size) -> None:
    services.media_link_case(actor=zhangsan, media=footage, case=case)
    before = ledger_size()
    services.media_link_case(actor=zhangsan, media=footage, case=case)
    assert ledger_size() == before


def test_linked_media_never_moves_to_another_case(case, footage, zhangsan, agency, unit, ledger_size) -> None:
    from .conftest import _open_case

    second = _open_case(zhangsan, agency, unit, "另一案件")
    services.media_link_case(actor=zhangsan, media=footage, case=case)
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_link_case(actor=zhangsan, media=footage, case=second)
    assert excinfo.value.code == ErrorCode.DUPLICATE
    assert ledger_size() == before


def test_other_agencys_case_or_person_is_refused(other_case, footage, outsider, zhangsan) -> None:
    with pytest.raises(DomainError) as by_outsider:
        services.media_link_case(actor=outsider, media=footage, case=other_case)
    assert by_outsider.value.code == ErrorCode.VALIDATION_ERROR
    with pytest.raises(DomainError) as into_foreign:
        services.media_link_case(actor=zhangsan, media=footage, case=other_case)
    assert into_foreign.value.code == ErrorCode.PERMISSION_DENIED


def test_link_endpoint(case, footage, zhangsan, api_client) -> None:
    response = api_client(zhangsan).post(
        f"/api/v1/media/{footage.pk}/case", data={"case_id": case.pk}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["case_id"], body["stage"], body["retention_class"]) == (case.pk, case.stage, "evidence")
