"""The same resumable flow on S3-compatible storage (moto's S3 server, started here): the finished staging file
goes to the bucket as a multipart upload in 8 MiB parts, nothing stays on local disk, a resume works the same."""

from __future__ import annotations

import os

from quancheng.evidence import s3 as s3_module
from quancheng.evidence.models import Blob, MediaObject
from quancheng.evidence.storage import blob_key
from quancheng.uploads.models import Upload, UploadStatus
from quancheng.uploads.staging import HASH_STATES

from .conftest import sha256_hex, stored_files


def test_large_upload_resumed_and_stored_on_s3_in_parts(
    store, zhangsan, case, make_file, user_token, tus_client, uploader, blob_dir
) -> None:
    # given: a file larger than one S3 part, half sent before an interruption and a server restart
    data = os.urandom(s3_module.PART_SIZE + 1024 * 1024)
    path = make_file(data, "卷宗扫描.bin")
    secret = user_token(zhangsan)
    metadata = {"filename": path.name, "case_id": str(case.pk), "sha256": sha256_hex(data)}
    chunk = 2 * 1024 * 1024
    first = uploader(tus_client(secret), path, metadata, chunk_size=chunk)
    first.upload(stop_at=2 * chunk)
    HASH_STATES.clear()
    # when: resumed by a new client
    second = uploader(tus_client(secret), path, metadata, chunk_size=chunk, url=first.url)
    assert second.offset == 2 * chunk
    second.upload()
    # then: in the bucket under its digest, as a two-part multipart object
    digest = sha256_hex(data)
    media = MediaObject.objects.get(pk=int(second.request.response_headers["quancheng-media-id"]))
    assert (media.blob_id, media.case_id) == (digest, case.pk)
    assert Blob.objects.get(pk=digest).size == len(data)
    head = store.client.head_object(Bucket=store.bucket, Key=blob_key(digest))
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")
    assert store.client.get_object(Bucket=store.bucket, Key=blob_key(digest))["Body"].read() == data
    # and: nothing kept on local disk
    assert stored_files(blob_dir) == []
    assert Upload.objects.get().status == UploadStatus.COMPLETED


def test_video_upload_on_s3(store, zhangsan, case, video_file, user_token, tus_client, uploader, blob_dir) -> None:
    # given
    metadata = {"filename": video_file.name, "filetype": "video/mp4", "case_id": str(case.pk)}
    # when
    tus = uploader(tus_client(user_token(zhangsan)), video_file, metadata, chunk_size=10 * 1024)
    tus.upload()
    # then: probed and stored in the bucket like any other
    media = MediaObject.objects.get(pk=int(tus.request.response_headers["quancheng-media-id"]))
    assert media.kind == "video"
    assert store.exists(sha256_hex(video_file.read_bytes()))
    assert stored_files(blob_dir) == []
