"""A chunk whose Upload-Checksum does not match what arrived is refused with 460 and not stored: the offset does
not move, the staging file keeps only the accepted bytes, no blob or media is recorded."""

from __future__ import annotations

import hashlib
import os

import pytest
from tusclient.exceptions import TusUploadFailed

from quancheng.evidence.models import Blob, MediaObject
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.staging import staging_path

from .conftest import Sha256Uploader


class CorruptingUploader(Sha256Uploader):
    """Sends sha256 checksums of other bytes than the chunk (as if the chunk changed in transit)."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", lambda data: hashlib.sha256(data + b"!"))


def test_checksum_mismatch_is_refused_with_460_and_nothing_stored(
    zhangsan, case, make_file, user_token, tus_client, uploader, http, blob_dir
) -> None:
    # given: two good chunks accepted
    chunk = 4096
    data = os.urandom(5 * chunk)
    path = make_file(data)
    secret = user_token(zhangsan)
    good = uploader(tus_client(secret), path, {"case_id": str(case.pk)}, chunk_size=chunk)
    good.upload(stop_at=2 * chunk)
    # when: the third chunk's checksum does not match its bytes
    bad = uploader(tus_client(secret), path, {}, chunk_size=chunk, url=good.url, cls=CorruptingUploader)
    with pytest.raises(TusUploadFailed) as refused:
        bad.upload_chunk()
    # then: 460 Checksum Mismatch, with the JSON error
    assert refused.value.status_code == 460
    assert b"checksum_mismatch" in refused.value.response_content
    # and: nothing of the chunk was kept
    upload = Upload.objects.get()
    assert (upload.status, upload.offset) == (UploadStatus.RECEIVING, 2 * chunk)
    assert http("HEAD", good.url, secret).headers["Upload-Offset"] == str(2 * chunk)
    assert staging_path(blob_dir / "incoming", upload.pk).read_bytes() == data[: 2 * chunk]
    assert not Blob.objects.exists() and not MediaObject.objects.exists()
    # and: the same chunk sent correctly is accepted and the upload completes
    good.offset = 2 * chunk
    good.upload()
    assert Upload.objects.get().status == UploadStatus.COMPLETED


def test_unsupported_checksum_algorithm_is_a_400(zhangsan, case, user_token, http) -> None:
    # given
    secret = user_token(zhangsan)
    url = http("POST", None, secret, headers={"Upload-Length": "10"}).headers["Location"]
    # when
    response = http(
        "PATCH",
        url,
        secret,
        headers={
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Checksum": "md5 XrY7u+Ae7tCTyyK7j1rNww==",
        },
        data=b"0123456789",
    )
    # then
    assert response.status_code == 400
    assert response.json()["code"] == "checksum_algorithm_unsupported"
    assert http("HEAD", url, secret).headers["Upload-Offset"] == "0"
