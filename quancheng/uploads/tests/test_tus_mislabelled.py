"""Content is checked, not the name: bytes declared as a video that are no video make the upload fail at the
end (the evidence app's probe refuses them) and nothing is stored."""

from __future__ import annotations

import os

import pytest
from tusclient.exceptions import TusUploadFailed

from quancheng.evidence.models import Blob, MediaObject
from quancheng.uploads.models import Upload, UploadStatus

from .conftest import incoming_files


def test_random_bytes_declared_as_video_are_refused(
    zhangsan, case, make_file, user_token, tus_client, uploader, blob_dir
) -> None:
    # given
    path = make_file(os.urandom(30_000), "现场录像.mp4")
    metadata = {"filename": path.name, "filetype": "video/mp4", "case_id": str(case.pk)}
    # when
    with pytest.raises(TusUploadFailed) as refused:
        uploader(tus_client(user_token(zhangsan)), path, metadata, chunk_size=16_384).upload()
    # then
    assert refused.value.status_code == 422
    assert b"media_unreadable" in refused.value.response_content
    upload = Upload.objects.get()
    assert (upload.status, upload.error_code) == (UploadStatus.FAILED, "media_unreadable")
    assert not Blob.objects.exists() and not MediaObject.objects.exists()
    assert incoming_files(blob_dir) == []
