"""tus 1.0.0 protocol vocabulary: headers, extensions, and parsers for the values clients send (pure functions).

Spec: https://tus.io/protocols/resumable-upload (core, creation, checksum, termination, expiration).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quancheng.core.errors import DomainError, ErrorCode
from quancheng.core.parser import text_problem

TUS_VERSION = "1.0.0"
# creation-defer-length and creation-with-upload are not offered: a device always knows its file's length,
# and the first bytes go with the first PATCH.
TUS_EXTENSIONS = ("creation", "checksum", "termination", "expiration")
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# sha256 is what the evidence store uses; sha1 is offered too because it is what stock tus clients (tuspy,
# tus-js-client) send by default. Either only guards one chunk in transit: the blob is addressed by SHA-256.
CHECKSUM_ALGORITHMS: dict[str, Callable[[], Any]] = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}
# The tus spec does not bound metadata; these keep a hostile header from filling the row.
METADATA_MAX_PAIRS = 32
METADATA_MAX_VALUE = 1024
_METADATA_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_UINT = re.compile(r"^[0-9]{1,19}$")


def parse_length(value: str | None, header: str) -> int:
    """A non-negative integer header (``Upload-Length``, ``Upload-Offset``); anything else is bad input."""
    value = (value or "").strip()
    if not _UINT.match(value):
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"{header} 应为非负整数")
    return int(value)


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs (the value may be absent); keys unique."""
    result: dict[str, str] = {}
    if not header or not header.strip():
        return result
    pairs = header.split(",")
    if len(pairs) > METADATA_MAX_PAIRS:
        raise DomainError(ErrorCode.VALIDATION_ERROR, f"Upload-Metadata 最多 {METADATA_MAX_PAIRS} 项")
    for pair in pairs:
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _METADATA_KEY.match(parts[0]):
            raise DomainError(ErrorCode.VALIDATION_ERROR, "Upload-Metadata 格式不正确(应为“键 Base64值”,以逗号分隔)")
        key = parts[0]
        if key in result:
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"Upload-Metadata 的键 {key} 重复")
        value = ""
        if len(parts) == 2:
            try:
                value = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, ValueError) as exc:
                raise DomainError(
                    ErrorCode.VALIDATION_ERROR, f"Upload-Metadata 的 {key} 不是有效的 Base64 编码 UTF-8 文本"
                ) from exc
        if len(value) > METADATA_MAX_VALUE:
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"Upload-Metadata 的 {key} 过长")
        if problem := text_problem(value):
            raise DomainError(ErrorCode.VALIDATION_ERROR, f"Upload-Metadata 的 {key} {problem}")
        result[key] = value
    return result


def encode_metadata(metadata: dict[str, str]) -> str:
    """The ``Upload-Metadata`` header for ``metadata`` (HEAD echoes what the client declared)."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}" if value else key
        for key, value in metadata.items()
    )


@dataclass(frozen=True)
class Checksum:
    """A chunk's ``Upload-Checksum``: algorithm name and raw digest."""

    algorithm: str
    digest: bytes

    def new_hasher(self) -> Any:
        return CHECKSUM_ALGORITHMS[self.algorithm]()


def parse_checksum(header: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``; an algorithm we do not offer is a 400 (tus checksum)."""
    if header is None or not header.strip():
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise DomainError(ErrorCode.CHECKSUM_ALGORITHM_UNSUPPORTED)
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "Upload-Checksum 的校验值不是有效的 Base64") from exc
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm]().digest_size:
        raise DomainError(ErrorCode.VALIDATION_ERROR, "Upload-Checksum 的校验值长度与算法不符")
    return Checksum(algorithm=algorithm, digest=digest)
