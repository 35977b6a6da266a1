"""Media reads are scoped by agency; a supervisor reads the supervised agency's media (ACCESS-01)."""

from __future__ import annotations

import pytest

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.evidence import selectors, services
from quancheng.evidence.storage import get_blob_store, stage_chunks

from . import samples


def _ingest(actor, case, data: bytes):
    staged = stage_chunks(get_blob_store(), [data])
    return services.media_ingest(actor=actor, case=case, stored=staged, kind="photo", content_type="image/png")


@pytest.fixture
def two_media(case, zhangsan):
    return _ingest(zhangsan, case, samples.png(1)), _ingest(zhangsan, case, samples.png(2))


def test_media_list_for_own_agency_newest_first(case, zhangsan, two_media) -> None:
    first, second = two_media
    assert list(selectors.media_list_for(zhangsan, case.pk)) == [second, first]


def test_supervisor_lists_and_reads_supervised_agency_media(case, supervisor, two_media) -> None:
    assert set(selectors.media_list_for(supervisor, case.pk)) == set(two_media)
    assert selectors.media_get_for(supervisor, two_media[0].pk) == two_media[0]


def test_outsider_sees_neither_list_nor_media(case, outsider, two_media) -> None:
    with pytest.raises(DomainError) as listing:
        selectors.media_list_for(outsider, case.pk)
    with pytest.raises(DomainError) as single:
        selectors.media_get_for(outsider, two_media[0].pk)
    assert listing.value.code == single.value.code == ErrorCode.NOT_FOUND


def test_media_of_another_case_is_not_listed(case, other_case, zhangsan, outsider, two_media) -> None:
    foreign = _ingest(outsider, other_case, samples.png(3))
    assert foreign not in selectors.media_list_for(zhangsan, case.pk)


def test_media_open_streams_stored_bytes(zhangsan, two_media) -> None:
    media = selectors.media_get_for(zhangsan, two_media[1].pk)
    with selectors.media_open(media) as stream:
        assert stream.read() == samples.png(2)


def test_blob_exists(two_media) -> None:
    assert selectors.blob_exists(two_media[0].blob_id.upper())
    assert not selectors.blob_exists("0" * 64)


def test_device_for_upload_only_finds_own_agency_devices(zhangsan, outsider, device) -> None:
    assert selectors.device_for_upload(zhangsan, device.serial) == device
    with pytest.raises(DomainError) as excinfo:
        selectors.device_for_upload(outsider, device.serial)
    assert excinfo.value.code == ErrorCode.VALIDATION_ERROR
