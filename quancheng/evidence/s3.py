"""S3-compatible blob storage (MinIO, Ceph RGW, OSS/OBS, AWS) under the same content-addressed keys.

Uploads are staged and hashed on local disk first (``storage.BlobWriter``); ``commit`` then streams the
staged file to the bucket with boto3's managed transfer, which switches to a multipart upload for big files
and reads the file in parts, so a large recording is never held in memory. Credentials come from the usual
AWS environment variables / config files that boto3 reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from .storage import CHUNK, BlobWriter, StagedBlob, StoredBlob, blob_key, stage_chunks

# Parts of 8 MiB: boto3's default threshold and size, spelled out because they bound memory per transfer.
TRANSFER = TransferConfig(multipart_threshold=8 * CHUNK, multipart_chunksize=8 * CHUNK)
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


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
            if not self.exists(staged.sha256):
                with open(staged.path, "rb") as source:
                    self.client.upload_fileobj(
                        source,
                        self.bucket,
                        key,
                        ExtraArgs={"ContentType": "application/octet-stream", "Metadata": {"sha256": staged.sha256}},
                        Config=TRANSFER,
                    )
                stored_size = self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
                if stored_size != staged.size:
                    # Never leave a short object under a content address: later uploads would trust it.
                    self.client.delete_object(Bucket=self.bucket, Key=key)
                    raise OSError(f"S3 stored {stored_size} bytes for {key}, expected {staged.size}")
        finally:
            staged.discard()
        return StoredBlob(sha256=staged.sha256, size=staged.size)

    def put_chunks(self, chunks: Iterable[bytes], *, max_bytes: int | None = None) -> StoredBlob:
        return self.commit(stage_chunks(self, chunks, max_bytes=max_bytes))

    def open(self, sha256: str) -> BinaryIO:
        """A streaming body (read in chunks, usable as a context manager); FileNotFoundError when absent."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=blob_key(sha256))
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND:
                raise FileNotFoundError(blob_key(sha256)) from exc
            raise
        return response["Body"]

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=blob_key(sha256))
        except ClientError as exc:
            if _error_code(exc) in _NOT_FOUND:
                return False
            raise
        return True


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
