"""A real video uploaded with the public tuspy client in sha256-checksummed chunks becomes media evidence of the
case (GEN-03, DEVICE-05): hashed while written, stored once by content, each step in the ledger."""

from __future__ import annotations

from datetime import UTC, datetime

from quancheng.evidence.models import Blob, MediaKind, MediaObject
from quancheng.evidence.storage import get_blob_store
from quancheng.ledger.models import LedgerAction
from quancheng.uploads.models import Upload, UploadStatus

from .conftest import incoming_files, sha256_hex


def test_video_uploaded_in_chunks_becomes_media_of_the_case(
    zhangsan, case, device, video_file, user_token, tus_client, uploader, http, ledger_of, blob_dir
) -> None:
    # given: a real video, a declared digest and the case it documents
    data = video_file.read_bytes()
    client = tus_client(user_token(zhangsan))
    metadata = {
        "filename": video_file.name,
        "filetype": "video/mp4",
        "case_id": str(case.pk),
        "device_serial": device.serial,
        "captured_at": "2026-03-01T09:30:00+08:00",
        "sha256": sha256_hex(data),
    }
    tus = uploader(client, video_file, metadata, chunk_size=7 * 1024)
    # when: sent in several chunks, each with its Upload-Checksum
    tus.upload()
    # then: the final PATCH names the media object
    media_id = int(tus.request.response_headers["quancheng-media-id"])
    media = MediaObject.objects.get(pk=media_id)
    assert media.case_id == case.pk
    assert media.kind == MediaKind.VIDEO
    assert media.device_id == device.pk
    assert media.uploaded_by_id == zhangsan.pk
    assert media.original_name == video_file.name
    assert media.captured_at == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)
    assert media.blob_id == sha256_hex(data)
    assert Blob.objects.get(pk=media.blob_id).size == len(data)
    with get_blob_store().open(media.blob_id) as stored:
        assert stored.read() == data
    assert incoming_files(blob_dir) == []  # the staging file became the blob
    upload = Upload.objects.get()
    assert (upload.status, upload.offset, upload.media_id, upload.sha256) == (
        UploadStatus.COMPLETED,
        len(data),
        media.pk,
        media.blob_id,
    )
    assert [action for action, _ in ledger_of(f"upload:{upload.pk}")] == [
        LedgerAction.UPLOAD_CREATED,
        LedgerAction.UPLOAD_COMPLETED,
    ]
    assert ledger_of(f"media:{media.pk}")[0][0] == LedgerAction.MEDIA_INGESTED
    # and: HEAD and GET of the upload say the same
    head = http("HEAD", tus.url, user_token(zhangsan))
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Quancheng-Media-Id"] == str(media.pk)
    status = http("GET", tus.url, user_token(zhangsan)).json()
    assert (status["status"], status["media_id"], status["sha256"]) == ("completed", media.pk, media.blob_id)
