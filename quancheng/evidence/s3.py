"""S3-compatible blob storage (MinIO, Ceph RGW, OSS/OBS, AWS) under the same content-addressed keys.

Uploads are staged and hashed on local disk first (``storage.BlobWriter``, or a tus upload's staging file);
``commit`` then streams the staged file to the bucket: one ``PutObject`` up to ``PART_SIZE``, above it a
multipart upload whose parts are read and sent one at a time, so memory stays at one part (8 MiB) whatever the
recording's size (boto3's managed transfer would read up to ten parts ahead into memory). Credentials come
from the usual AWS environment variables / config files that boto3 reads.

An unreachable or failing S3 (connection refused, timeouts, 5xx, a bucket or credentials gone) is raised as
``storage.StoreUnavailable``, never as botocore's own exceptions: callers keep their staged bytes and answer 503.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from .storage import CHUNK, BlobWriter, StagedBlob, StoredBlob, StoreUnavailable, blob_key, check_range, stage_chunks

logger = logging.getLogger(__name__)

# Parts of 8 MiB (S3's minimum part is 5 MiB, its maximum part count 10,000: up to 78 GiB per object); one part
# in memory at a time bounds the memory a commit needs.
PART_SIZE = 8 * CHUNK
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
_INVALID_RANGE = {"416", "InvalidRange"}
_OBJECT_ARGS: dict[str, Any] = {"ContentType": "application/octet-stream"}


@contextmanager
def _reachable(what: str) -> Iterator[None]:
    """Raise botocore's failures (other than those the caller handled) as ``StoreUnavailable``."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise StoreUnavailable(f"S3 unavailable ({what}): {exc}") from exc


class S3BlobStore:
    def __init__(self, *, client: Any, bucket: str, incoming_dir: Path) -> None:
        self.client = client
        self.bucket = bucket
        self.incoming_dir = Path(incoming_dir)

    @classmethod
    def create(cls, *, bucket: str, endpoint_url: str, region: str, incoming_dir: Path) -> S3BlobStore:
        client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)
        return cls(client=client, bucket=bucket, incoming_dir=incoming_dir)

    def writer(self, *, max_bytes: int | None = None) -> BlobWriter:
        return BlobWriter(self.incoming_dir, max_bytes=max_bytes)

    def commit(self, staged: StagedBlob) -> StoredBlob:
        key = blob_key(staged.sha256)
        try:
            with _reachable(f"commit {key}"):
                if not self.exists(staged.sha256):
                    with open(staged.path, "rb") as source:
                        if staged.size <= PART_SIZE:
                            self.client.put_object(
                                Bucket=self.bucket,
                                Key=key,
                                Body=source,
                                Metadata={"sha256": staged.sha256},
                                **_OBJECT_ARGS,
                            )
                        else:
                            self._put_multipart(source, key=key, sha256=staged.sha256)
                    stored_size = self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
                    if stored_size != staged.size:
                        # Never leave a short object under a content address: later uploads would trust it.
                        self.client.delete_object(Bucket=self.bucket, Key=key)
                        raise StoreUnavailable(f"S3 stored {stored_size} bytes for {key}, expected {staged.size}")
        finally:
            staged.discard()
        return StoredBlob(sha256=staged.sha256, size=staged.size)

    def _put_multipart(self, source: BinaryIO, *, key: str, sha256: str) -> None:
        """Send ``source`` in ``PART_SIZE`` parts, one at a time; an unfinished upload is aborted, not left behind."""
        upload_id = self.client.create_multipart_upload(
            Bucket=self.bucket, Key=key, Metadata={"sha256": sha256}, **_OBJECT_ARGS
        )["UploadId"]
        try:
            parts: list[dict[str, Any]] = []
            while part := source.read(PART_SIZE):
                number = len(parts) + 1
                response = self.client.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"PartNumber": number, "ETag": response["ETag"]})
                del part  # the only part held: free it before reading the next
            self.client.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except (BotoCoreError, ClientError):  # S3 is gone: the original failure is what matters
                logger.warning("could not abort the multipart upload of %s", key, exc_info=True)
            raise

    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        return self.commit(stage_chunks(self, chunks, max_bytes=max_bytes))

    def open(self, sha256: str) -> BinaryIO:
        """A streaming body (read in chunks, usable as a context manager); FileNotFoundError when absent."""
        with _reachable(f"open {blob_key(sha256)}"):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=blob_key(sha256))
            except ClientError as exc:
                if _error_code(exc) in _NOT_FOUND:
                    raise FileNotFoundError(blob_key(sha256)) from exc
                raise
        return response["Body"]

    def open_range(self, sha256: str, start: int, end_inclusive: int) -> BinaryIO:
        """Bytes ``start``..``end_inclusive`` as a streaming body (an HTTP ranged GET on the object): fewer when
        the object is shorter, none when it starts past the end; FileNotFoundError when absent."""
        check_range(start, end_inclusive)
        with _reachable(f"open {blob_key(sha256)}"):
            try:
                response = self.client.get_object(
                    Bucket=self.bucket, Key=blob_key(sha256), Range=f"bytes={start}-{end_inclusive}"
                )
            except ClientError as exc:
                code = _error_code(exc)
                if code in _NOT_FOUND:
                    raise FileNotFoundError(blob_key(sha256)) from exc
                if code in _INVALID_RANGE:
                    return io.BytesIO(b"")  # the range starts past the end: nothing to read, as locally
                raise
        return response["Body"]

    def exists(self, sha256: str) -> bool:
        with _reachable(f"head {blob_key(sha256)}"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=blob_key(sha256))
            except ClientError as exc:
                if _error_code(exc) in _NOT_FOUND:
                    return False
                raise
        return True


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
