"""Signed notes (c2sp.org/signed-note) with Ed25519 keys, and checkpoint bodies (c2sp.org/tlog-checkpoint).

Pure functions over text and bytes: no Django, no files, no database, so they are tested table by table and
against the reference vectors of Go's ``golang.org/x/mod/sumdb/note``.

The formats, exactly as the specifications define them:

- key name: non-empty UTF-8 without Unicode spaces or ``+``; our log's key name is its origin line.
- key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4] (0x01: the Ed25519 signature type).
- verifier key: ``<name>+<hex8 key ID>+<base64(0x01 ‖ public key)>``; signer key (Go's format, kept in the key
  file): ``PRIVATE+KEY+<name>+<hex8 key ID>+<base64(0x01 ‖ 32-byte seed)>``.
- note: text ending in a newline, a blank line, then one or more lines ``— <name> <base64(key ID ‖ signature)>``
  (U+2014 em dash, space); the signature covers the text including its final newline. Valid UTF-8, no ASCII
  control character other than the newline.
- checkpoint body: origin, tree size in decimal without leading zeros, base64 of the 32-byte RFC 6962 root hash,
  then optional non-empty extension lines, each line ending in a newline.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# signed-note §Signature types: 0x01 is Ed25519.
SIGNATURE_TYPE_ED25519 = 0x01
KEY_ID_BYTES = 4
ED25519_PUBLIC_KEY_BYTES = 32
ED25519_SEED_BYTES = 32
ED25519_SIGNATURE_BYTES = 64
# U+2014 EM DASH then U+0020 SPACE opens every signature line.
SIGNATURE_PREFIX = "\u2014 "
# The spec asks verifiers to cap the number of signatures and to accept at least 16; Go's reference caps at 100.
MAX_SIGNATURES = 100
SIGNER_KEY_PREFIX = "PRIVATE+KEY+"
# tlog-checkpoint: the root hash is an RFC 6962 (SHA-256) Merkle tree hash.
ROOT_HASH_BYTES = 32
# Tree sizes are stored in a signed 64-bit column (and Go's reference parses them as int64).
MAX_TREE_SIZE = 2**63 - 1

_HEX_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")
# ASCII digits only: Python's \d would also match other scripts' digits.
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")


class NoteErrorKind(StrEnum):
    MALFORMED_NOTE = "malformed_note"
    MALFORMED_KEY = "malformed_key"
    NOT_SIGNED = "not_signed"
    BAD_SIGNATURE = "bad_signature"
    MALFORMED_CHECKPOINT = "malformed_checkpoint"
    WRONG_ORIGIN = "wrong_origin"


class NoteError(ValueError):
    """A note, key or checkpoint that does not verify or cannot be read; the message says why, in both languages."""

    def __init__(self, kind: NoteErrorKind, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.kind = kind
        self.message_zh = message_zh
        self.message_en = message_en


def _error(kind: NoteErrorKind, zh: str, en: str) -> NoteError:
    return NoteError(kind, zh, en)


# --- names, base64, key IDs ---------------------------------------------------------------------------------


def is_valid_key_name(name: str) -> bool:
    """signed-note: non-empty, valid UTF-8, no Unicode space and no ``+`` (control characters cannot appear in a
    note either, so they are refused here too)."""
    if not name or "+" in name:
        return False
    if any(ch.isspace() or ord(ch) < 0x20 for ch in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate is not UTF-8
        return False
    return True


def _b64decode(text: str) -> bytes | None:
    """Standard base64 (RFC 4648 §4) in its one canonical spelling, or None: padding required, no stray
    characters, no non-zero trailing bits (which would give one value several encodings)."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key)[:4], the signed-note key ID of an Ed25519 key."""
    encoded = bytes([SIGNATURE_TYPE_ED25519]) + public_key
    return hashlib.sha256(name.encode("utf-8") + b"\n" + encoded).digest()[:KEY_ID_BYTES]


def _split_plus(text: str) -> tuple[str, str]:
    before, _, after = text.partition("+")
    return before, after


# --- keys ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures by ``name`` with ``key_id``."""

    name: str
    key_id: bytes
    public_key: bytes

    @property
    def key_id_hex(self) -> str:
        return self.key_id.hex()

    @property
    def label(self) -> str:
        """``<name>+<hex key ID>``: how the spec's tooling names a key in messages."""
        return f"{self.name}+{self.key_id_hex}"

    def verifier_key(self) -> str:
        return format_verifier_key(self.name, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        if len(signature) != ED25519_SIGNATURE_BYTES:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    """An Ed25519 private key (its 32-byte seed) that signs notes as ``name``. The seed never appears in a repr."""

    name: str
    seed: bytes = field(repr=False)

    def _private_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        return self._private_key().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def verifier(self) -> Verifier:
        public = self.public_key
        return Verifier(name=self.name, key_id=key_id(self.name, public), public_key=public)

    def sign(self, message: bytes) -> bytes:
        return self._private_key().sign(message)

    def signer_key(self) -> str:
        """``PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`` (Go's ``note.NewSigner`` reads it)."""
        encoded = _b64encode(bytes([SIGNATURE_TYPE_ED25519]) + self.seed)
        return f"{SIGNER_KEY_PREFIX}{self.name}+{self.key_id.hex()}+{encoded}"


def _require_name(name: str) -> None:
    if not is_valid_key_name(name):
        raise _error(
            NoteErrorKind.MALFORMED_KEY,
            f"密钥名称“{name}”不合规定(不得为空,不得含空白字符或“+”)",
            f"invalid key name {name!r}: it must be non-empty, without spaces or '+'",
        )


def signer_from_seed(name: str, seed: bytes) -> Signer:
    _require_name(name)
    if len(seed) != ED25519_SEED_BYTES:
        raise _error(
            NoteErrorKind.MALFORMED_KEY,
            f"Ed25519 私钥应为 {ED25519_SEED_BYTES} 字节,实为 {len(seed)} 字节",
            f"an Ed25519 private key seed is {ED25519_SEED_BYTES} bytes, got {len(seed)}",
        )
    return Signer(name=name, seed=bytes(seed))


def generate_signer(name: str) -> Signer:
    """A fresh Ed25519 key for ``name`` (from the operating system's random source)."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return signer_from_seed(name, seed)


def format_verifier_key(name: str, public_key: bytes) -> str:
    """``<name>+<hex8 key ID>+<base64(0x01 ‖ public key)>``."""
    _require_name(name)
    if len(public_key) != ED25519_PUBLIC_KEY_BYTES:
        raise _error(
            NoteErrorKind.MALFORMED_KEY,
            f"Ed25519 公钥应为 {ED25519_PUBLIC_KEY_BYTES} 字节,实为 {len(public_key)} 字节",
            f"an Ed25519 public key is {ED25519_PUBLIC_KEY_BYTES} bytes, got {len(public_key)}",
        )
    encoded = _b64encode(bytes([SIGNATURE_TYPE_ED25519]) + public_key)
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


_KEY_WORDS = {"verifier": "公钥", "signer": "私钥"}


def _malformed_key(what: str, text: str, reason_zh: str, reason_en: str) -> NoteError:
    """``what``: "verifier" or "signer"; ``text`` is shown as given, so never pass a signer key's secret part."""
    shown = text if len(text) <= 120 else text[:117] + "..."
    return _error(
        NoteErrorKind.MALFORMED_KEY,
        f"{_KEY_WORDS[what]}格式不正确({reason_zh}):{shown}",
        f"malformed {what} key ({reason_en}): {shown}",
    )


def _parse_key_fields(what: str, text: str, name: str, hex_id: str, encoded: str) -> tuple[bytes, bytes]:
    """Check the common ``<name>+<hex8>+<base64(type ‖ key)>`` fields; return (key ID, key bytes without type)."""
    if not is_valid_key_name(name):
        raise _malformed_key(what, text, "名称为空或含空白字符、“+”", "bad key name")
    if not _HEX_KEY_ID.fullmatch(hex_id):
        raise _malformed_key(what, text, "密钥编号应为 8 位十六进制数", "key ID is not 8 hex digits")
    raw = _b64decode(encoded)
    if not raw:
        raise _malformed_key(what, text, "密钥部分不是规范的 base64", "key is not canonical base64")
    if raw[0] != SIGNATURE_TYPE_ED25519:
        raise _malformed_key(
            what, text, f"未知的签名类型 0x{raw[0]:02x}(仅支持 Ed25519 0x01)", f"unknown signature type 0x{raw[0]:02x}"
        )
    if len(raw) != 1 + ED25519_PUBLIC_KEY_BYTES:
        raise _malformed_key(what, text, "Ed25519 密钥长度不是 32 字节", "Ed25519 key is not 32 bytes")
    return bytes.fromhex(hex_id), raw[1:]


def parse_verifier_key(vkey: str) -> Verifier:
    """Read a verifier key string; the key ID must be the one its name and public key give."""
    name, rest = _split_plus(vkey)
    hex_id, encoded = _split_plus(rest)
    claimed, public = _parse_key_fields("verifier", vkey, name, hex_id, encoded)
    if key_id(name, public) != claimed:
        raise _malformed_key("verifier", vkey, "密钥编号与名称、公钥不符", "key ID does not match the name and key")
    return Verifier(name=name, key_id=claimed, public_key=public)


def parse_signer_key(skey: str) -> Signer:
    """Read a signer key string (Go's ``PRIVATE+KEY+...`` format); the key ID must match the derived public key."""
    if not skey.startswith(SIGNER_KEY_PREFIX):
        raise _malformed_key("signer", "PRIVATE+KEY+…", "应以 PRIVATE+KEY+ 开头", "must start with PRIVATE+KEY+")
    body = skey[len(SIGNER_KEY_PREFIX) :]
    name, rest = _split_plus(body)
    hex_id, encoded = _split_plus(rest)
    # The key material is secret: never echo it in an error message. A mangled separator can shift part of it into
    # the key ID field, so that field is shown only when it is a plain key ID.
    shown_id = hex_id if _HEX_KEY_ID.fullmatch(hex_id) else "?"
    redacted = f"{SIGNER_KEY_PREFIX}{name}+{shown_id}+…"
    claimed, seed = _parse_key_fields("signer", redacted, name, hex_id, encoded)
    signer = signer_from_seed(name, seed)
    if signer.key_id != claimed:
        raise _malformed_key("signer", redacted, "密钥编号与私钥不符", "key ID does not match the private key")
    return signer


# --- notes --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteSignature:
    name: str
    key_id: bytes
    signature: bytes

    @property
    def label(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


def _malformed_note(reason_zh: str, reason_en: str) -> NoteError:
    return _error(NoteErrorKind.MALFORMED_NOTE, f"签名文本格式不正确:{reason_zh}", f"malformed note: {reason_en}")


def _check_characters(text: str) -> None:
    for position, ch in enumerate(text):
        if ord(ch) < 0x20 and ch != "\n":
            raise _malformed_note(
                f"第 {position} 个字符是控制字符 U+{ord(ch):04X}", f"control character U+{ord(ch):04X} at {position}"
            )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _malformed_note("不是有效的 UTF-8", "not valid UTF-8") from exc


def _as_text(note: str | bytes) -> str:
    if isinstance(note, bytes):
        try:
            return note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _malformed_note("不是有效的 UTF-8", "not valid UTF-8") from exc
    return note


def split_note(note: str | bytes) -> tuple[str, list[NoteSignature]]:
    """The signed text and every signature line, parsed but NOT verified. Raises NoteError when malformed."""
    note = _as_text(note)
    _check_characters(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise _malformed_note("缺少正文与签名之间的空行", "no blank line before the signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block or not block.endswith("\n"):
        raise _malformed_note("签名行缺失或未以换行结尾", "signature lines missing or not ending in a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise _malformed_note(f"签名多于 {MAX_SIGNATURES} 个", f"more than {MAX_SIGNATURES} signatures")
    signatures: list[NoteSignature] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(SIGNATURE_PREFIX):
            raise _malformed_note(
                f"第 {number} 个签名行不以“— ”(破折号 U+2014 加空格)开头",
                f"signature line {number} does not start with an em dash (U+2014) and a space",
            )
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(encoded) if encoded else None
        if not is_valid_key_name(name) or raw is None or len(raw) <= KEY_ID_BYTES:
            raise _malformed_note(
                f"第 {number} 个签名行应为“— 密钥名称 base64(密钥编号‖签名)”",
                f"signature line {number} is not '— <key name> <base64(key ID || signature)>'",
            )
        signatures.append(NoteSignature(name=name, key_id=raw[:KEY_ID_BYTES], signature=raw[KEY_ID_BYTES:]))
    return text, signatures


def sign_note(text: str, signer: Signer) -> str:
    """``text`` + blank line + one signature line by ``signer``."""
    if not text.endswith("\n"):
        raise _malformed_note("正文必须以换行结尾", "the text must end with a newline")
    _check_characters(text)
    _require_name(signer.name)
    signature = signer.sign(text.encode("utf-8"))
    line = f"{SIGNATURE_PREFIX}{signer.name} {_b64encode(signer.key_id + signature)}\n"
    return f"{text}\n{line}"


def open_note(note: str | bytes, verifier: Verifier) -> str:
    """The note's text, once a signature by ``verifier`` checks out.

    signed-note §Signatures: lines from other keys (another name or another key ID) are ignored; every line that
    names this key must verify, or the whole note is refused; a note with no line by this key is refused.
    """
    text, signatures = split_note(note)
    message = text.encode("utf-8")
    verified = False
    for signature in signatures:
        if signature.name != verifier.name or signature.key_id != verifier.key_id:
            continue
        if not verifier.verify(message, signature.signature):
            raise _error(
                NoteErrorKind.BAD_SIGNATURE,
                f"密钥 {verifier.label} 的签名与正文不符(正文或签名被改动)",
                f"invalid signature for key {verifier.label}: the text or the signature was altered",
            )
        verified = True
    if not verified:
        found = ", ".join(signature.label for signature in signatures)
        raise _error(
            NoteErrorKind.NOT_SIGNED,
            f"没有密钥 {verifier.label} 的签名(文中签名者:{found})",
            f"no signature by key {verifier.label} (signed by: {found})",
        )
    return text


# --- checkpoints --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointBody:
    """The note text of a tlog-checkpoint: the log's origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        return format_checkpoint(self.origin, self.size, self.root, self.extensions)


def _malformed_checkpoint(reason_zh: str, reason_en: str) -> NoteError:
    return _error(
        NoteErrorKind.MALFORMED_CHECKPOINT, f"检查点正文格式不正确:{reason_zh}", f"malformed checkpoint: {reason_en}"
    )


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Iterable[str] = ()) -> str:
    """``<origin>\\n<size>\\n<base64 root>\\n`` then one line per extension."""
    extensions = tuple(extensions)
    if not origin or "\n" in origin:
        raise _malformed_checkpoint("来源标识为空或含换行", "the origin is empty or contains a newline")
    if any(not line or "\n" in line for line in extensions):
        raise _malformed_checkpoint("扩展行为空或含换行", "an extension line is empty or contains a newline")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= MAX_TREE_SIZE:
        raise _malformed_checkpoint("树大小不是非负整数", "the tree size is not a non-negative integer")
    if len(root) != ROOT_HASH_BYTES:
        raise _malformed_checkpoint("树根不是 32 字节", "the root hash is not 32 bytes")
    text = "".join(f"{line}\n" for line in (origin, str(size), _b64encode(root), *extensions))
    _check_characters(text)
    return text


def parse_checkpoint(text: str) -> CheckpointBody:
    """Read a checkpoint body (the text of a verified note) strictly as tlog-checkpoint defines it."""
    if not text.endswith("\n"):
        raise _malformed_checkpoint("正文未以换行结尾", "the text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise _malformed_checkpoint(
            "至少应有来源、树大小、树根三行", "at least three lines (origin, size, root hash) are required"
        )
    if any(line == "" for line in lines):
        raise _malformed_checkpoint("含空行", "it contains an empty line")
    origin, size_text, root_text, *extensions = lines
    if not _TREE_SIZE.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise _malformed_checkpoint(
            f"第二行“{size_text[:40]}”不是不带前导零的十进制树大小",
            f"line 2 {size_text[:40]!r} is not a decimal tree size without leading zeros",
        )
    root = _b64decode(root_text)
    if root is None or len(root) != ROOT_HASH_BYTES:
        raise _malformed_checkpoint(
            "第三行不是 32 字节树根的 base64 编码", "line 3 is not the base64 encoding of a 32-byte root hash"
        )
    return CheckpointBody(origin=origin, size=int(size_text), root=root, extensions=tuple(extensions))


def sign_checkpoint(body: CheckpointBody, signer: Signer) -> str:
    return sign_note(body.text(), signer)


def verify_checkpoint(
    note_text: str | bytes, verifier_key: str | Verifier, *, origin: str | None = None
) -> CheckpointBody:
    """Verify a signed checkpoint against ``verifier_key`` and return its body.

    Raises :class:`NoteError` when the key is malformed, the note is malformed, it bears no signature by this key
    (another key, another name, or none), a signature by this key does not verify (text altered), the body is not
    a tlog-checkpoint, or — when ``origin`` is given — the body names another log.
    """
    verifier = parse_verifier_key(verifier_key) if isinstance(verifier_key, str) else verifier_key
    body = parse_checkpoint(open_note(note_text, verifier))
    if origin is not None and body.origin != origin:
        raise _error(
            NoteErrorKind.WRONG_ORIGIN,
            f"检查点来自另一个账本“{body.origin}”,应为“{origin}”",
            f"checkpoint is for log {body.origin!r}, expected {origin!r}",
        )
    return body


__all__ = [
    "ED25519_PUBLIC_KEY_BYTES",
    "MAX_SIGNATURES",
    "SIGNATURE_PREFIX",
    "SIGNATURE_TYPE_ED25519",
    "CheckpointBody",
    "NoteError",
    "NoteErrorKind",
    "NoteSignature",
    "Signer",
    "Verifier",
    "format_checkpoint",
    "format_verifier_key",
    "generate_signer",
    "is_valid_key_name",
    "key_id",
    "open_note",
    "parse_checkpoint",
    "parse_signer_key",
    "parse_verifier_key",
    "sign_checkpoint",
    "sign_note",
    "signer_from_seed",
    "split_note",
    "verify_checkpoint",
]
