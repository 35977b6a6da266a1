"""media_ingest without a case (a body-cam dump for the agency), by a device token, and with a case stage."""

from __future__ import annotations

import pytest

from quancheng.cases.models import Case, Stage
from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import services
from quancheng.evidence.models import DeviceStatus, MediaObject
from quancheng.evidence.storage import get_blob_store, stage_chunks
from quancheng.ledger.models import LedgerAction, LedgerEntry

from . import samples


def _stage(data: bytes):
    return stage_chunks(get_blob_store(), [data])


def test_agency_footage_without_a_case(agency, zhangsan) -> None:
    media = services.media_ingest(
        actor=zhangsan, agency=agency, stored=_stage(samples.mp4()), kind="video", content_type="video/mp4"
    )
    media.refresh_from_db()
    assert (media.case_id, media.agency_id, media.stage) == (None, agency.pk, "")
    assert media.effective_retention_class == "ordinary"
    entry = LedgerEntry.objects.order_by("-index").first()
    assert (entry.action, entry.actor, entry.digests["row"]) == (
        LedgerAction.MEDIA_INGESTED,
        f"user:{zhangsan.pk}",
        media.ledger_digest(),
    )


def test_device_token_upload_is_recorded_with_the_device_as_actor(agency, device) -> None:
    # when: the body camera uploads its own footage (no user)
    media = services.media_ingest(
        actor=None,
        agency=agency,
        uploader_device=device,
        stored=_stage(samples.mp4(1)),
        kind="video",
        content_type="video/mp4",
    )
    # then
    media.refresh_from_db()
    assert media.uploaded_by_id is None
    assert media.uploaded_by_device_id == media.device_id == device.pk
    actors = set(
        LedgerEntry.objects.filter(action__in=["media.ingested", "blob.stored"]).values_list("actor", flat=True)
    )
    assert actors == {f"device:{device.pk}"}


def test_retired_device_may_not_upload(agency, device, ledger_size) -> None:
    from quancheng.evidence.models import Device

    Device.objects.filter(pk=device.pk).update(status=DeviceStatus.RETIRED)  # set-up only
    device.refresh_from_db()
    before = ledger_size()
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(
            actor=None, agency=agency, uploader_device=device, stored=_stage(samples.jpeg()), kind="photo",
            content_type="image/jpeg",
        )  # fmt: skip
    assert excinfo.value.code == ErrorCode.DEVICE_UNAVAILABLE
    assert ledger_size() == before


def test_device_of_another_agency_may_not_upload(other_agency, device) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(
            actor=None, agency=other_agency, uploader_device=device, stored=_stage(samples.jpeg()), kind="photo",
            content_type="image/jpeg",
        )  # fmt: skip
    assert excinfo.value.code == ErrorCode.PERMISSION_DENIED


def test_neither_user_nor_device_is_refused(agency) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(
            actor=None, agency=agency, stored=_stage(samples.jpeg()), kind="photo", content_type="image/jpeg"
        )
    assert excinfo.value.code == ErrorCode.UNAUTHENTICATED


def test_stage_defaults_to_the_case_stage_and_may_be_an_earlier_one(case: Case, zhangsan) -> None:
    Case.objects.filter(pk=case.pk).update(stage=Stage.INVESTIGATION_EVIDENCE)  # set-up only
    case.refresh_from_db()
    current = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(samples.png(1)), kind="photo", content_type="image/png"
    )
    earlier = services.media_ingest(
        actor=zhangsan, case=case, stored=_stage(samples.png(2)), kind="photo", content_type="image/png",
        stage=Stage.PROGRAM_START,
    )  # fmt: skip
    assert current.stage == Stage.INVESTIGATION_EVIDENCE
    assert earlier.stage == Stage.PROGRAM_START


@pytest.mark.parametrize("use_case", [True, False], ids=["future stage of the case", "stage without a case"])
def test_bad_stage_is_refused(case, agency, zhangsan, ledger_size, use_case: bool) -> None:
    before = ledger_size()
    target = {"case": case} if use_case else {"agency": agency}
    with pytest.raises(DomainError) as excinfo:
        services.media_ingest(
            actor=zhangsan, stored=_stage(samples.png()), kind="photo", content_type="image/png",
            stage=Stage.SERVICE_EXECUTION, **target,
        )  # fmt: skip
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
    assert ledger_size() == before
    assert not MediaObject.objects.exists()
