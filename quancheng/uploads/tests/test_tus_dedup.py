"""The same footage uploaded twice is stored once and recorded twice (INTEGRITY-01): one blob, two media
objects, one blob.stored and two media.ingested ledger entries."""

from __future__ import annotations

from quancheng.evidence.models import Blob, MediaObject
from quancheng.ledger.models import LedgerAction, LedgerEntry
from quancheng.uploads.models import Upload, UploadStatus

from .conftest import incoming_files, sha256_hex, stored_files


def test_identical_uploads_share_one_blob(
    zhangsan, lisi, case, video_file, user_token, tus_client, uploader, blob_dir
) -> None:
    # given: the same video, uploaded by two officers
    metadata = {"filename": video_file.name, "filetype": "video/mp4", "case_id": str(case.pk)}
    # when
    for officer in (zhangsan, lisi):
        uploader(tus_client(user_token(officer)), video_file, metadata, chunk_size=10 * 1024).upload()
    # then
    digest = sha256_hex(video_file.read_bytes())
    assert list(Blob.objects.filter(pk=digest).values_list("pk", flat=True)) == [digest]
    media = list(MediaObject.objects.filter(blob_id=digest).order_by("pk"))
    assert [m.uploaded_by_id for m in media] == [zhangsan.pk, lisi.pk]
    assert LedgerEntry.objects.filter(action=LedgerAction.BLOB_STORED, subject=f"blob:{digest}").count() == 1
    assert LedgerEntry.objects.filter(action=LedgerAction.MEDIA_INGESTED).count() == 2
    assert set(Upload.objects.values_list("status", flat=True)) == {UploadStatus.COMPLETED}
    # one copy of the bytes in the store (plus the poster frame), nothing left in incoming
    assert sum(1 for path in stored_files(blob_dir) if path.name == digest) == 1
    assert incoming_files(blob_dir) == []
