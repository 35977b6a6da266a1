#!/usr/bin/env python3
"""全程案卷包独立核验程序 / Standalone verifier of a Quancheng (全程) case bundle.

Needs only Python 3.11+ and the ``cryptography`` package; no network, no database, nothing of the system that
made the bundle. It is shipped inside every bundle as ``data/verify_bundle.py`` and is the same file as
``quancheng/ledger/bundle_verifier.py`` (``quancheng verify-bundle`` runs it too)::

    python3 verify_bundle.py BUNDLE.zip --key VERIFIER_KEY

What it checks, each failure reported with the file it concerns:

1. **Bag fixity** (BagIt, RFC 8493): ``bagit.txt``; every line of every payload manifest
   (``manifest-sha256.txt``) against its file; no payload file missing from or extra to the manifest; the tag
   manifest (``tagmanifest-sha256.txt``) against the tag files; ``Payload-Oxum`` and ``Bagging-Date`` of
   ``bag-info.txt``.
2. **The checkpoint** ``data/ledger/checkpoint.txt``: a C2SP ``signed-note`` whose text is a C2SP
   ``tlog-checkpoint`` (origin, tree size, root hash), signed with Ed25519 by the key given with ``--key``
   (a C2SP verifier key ``<name>+<hex key id>+<base64(0x01 || public key)>``). A key found inside the bundle is
   never used: whoever could change the bundle could change that key too.
3. **Every ledger entry** ``data/ledger/entries/<index>.json`` (the exact bytes the log hashed): its leaf hash
   SHA-256(0x00 || entry) and its inclusion proof ``data/ledger/proofs/<index>.json`` up to the checkpoint's
   root (RFC 9162 §2.1.3.2).
4. **Every item against its entry**: each ``data/rows/<kind>_<id>.snapshot.json`` (the exact RFC 8785 bytes
   the log's ``digests["row"]`` is the SHA-256 of, so no canonical-JSON library is needed here) against the
   latest entry for its subject; each ``data/media/<sha256>.<ext>`` against its name and the entries'
   ``digests["blob"]``; each human-readable file (``case.json``, ``records/<id>.json``, ``media.json``,
   ``export.json``) field by field against the verified snapshots.
5. **Nothing removed or added**: ``data/inventory.txt`` lists every item and the entry anchoring it; its SHA-256
   is on the export's own row, anchored by the export's entry in the bundle.

Exit status: 0 intact, 1 a check failed (each failure listed), 2 the bundle or the key cannot be read at all.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNUSABLE = 2

READ_CHUNK = 1024 * 1024
# JSON and text files are read whole; none of ours comes near this, so anything larger is refused unread.
MAX_TEXT_BYTES = 64 * 1024 * 1024

# Layout of the bag (paths relative to the bag's base directory).
BAGIT_TXT = "bagit.txt"
BAG_INFO_TXT = "bag-info.txt"
PAYLOAD_DIR = "data/"
CHECKPOINT_TXT = "data/ledger/checkpoint.txt"
ENTRIES_DIR = "data/ledger/entries/"
PROOFS_DIR = "data/ledger/proofs/"
ROWS_DIR = "data/rows/"
SNAPSHOT_SUFFIX = ".snapshot.json"
MEDIA_DIR = "data/media/"
RECORDS_DIR = "data/records/"
CASE_JSON = "data/case.json"
MEDIA_JSON = "data/media.json"
EXPORT_JSON = "data/export.json"
INVENTORY_TXT = "data/inventory.txt"
EXPORT_KIND = "case_export"

MANIFEST_NAME = re.compile(r"^manifest-([a-z0-9]+)\.txt$")
TAG_MANIFEST_NAME = re.compile(r"^tagmanifest-([a-z0-9]+)\.txt$")
MANIFEST_LINE = re.compile(r"^([0-9A-Fa-f]+)[ \t]+(.+)$")
PAYLOAD_OXUM = re.compile(r"^([0-9]+)\.([0-9]+)$")
BAGGING_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
INDEX_FILE = re.compile(r"^(0|[1-9][0-9]*)\.json$")
MEDIA_FILE = re.compile(r"^([0-9a-f]{64})(\.[A-Za-z0-9]{1,16})?$")
DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")
HASH_HEX = re.compile(r"^[0-9a-f]{64}$")

ENTRY_FIELDS = frozenset({"action", "actor", "subject", "at", "digests"})
PROOF_FIELDS = frozenset({"index", "size", "leaf_hash", "proof"})

# C2SP signed-note: a signature line is U+2014 EM DASH, a space, the key name, a space, base64(key id || sig).
SIGNATURE_PREFIX = "\u2014 "
ED25519_TYPE = 0x01
KEY_ID_BYTES = 4
ED25519_PUBLIC_BYTES = 32
ED25519_SIGNATURE_BYTES = 64
HASH_BYTES = 32
# What reading a damaged zip member can raise: a CRC mismatch, a broken deflate stream, a truncated file.
ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, NotImplementedError)

# Lists inside a human-readable view whose items are rows of their own: list key → (ledger kind, id key).
# Readable views may carry fields that no ledgered row holds (names, labels): the exporter puts them under this
# key, and the verifier refuses any other field it cannot check against a verified row snapshot.
UNVERIFIED = "unverified_display"

NESTED_ROWS = {
    "signatures": ("signature", "id"),
    "parties": ("party", "party_id"),
    "stage_changes": ("stage_change", "id"),
}


# --- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ------------------------------------------


class NoteError(ValueError):
    """A verifier key, signed note or checkpoint that cannot be accepted; the message says why (中文 / English)."""


@dataclass(frozen=True)
class VerifierKey:
    name: str
    key_id: bytes
    public_key: bytes


@dataclass(frozen=True)
class CheckpointBody:
    origin: str
    size: int
    root: bytes


def key_id_for(name: str, public_key: bytes) -> bytes:
    """C2SP signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519_TYPE]) + public_key).digest()[:KEY_ID_BYTES]


def _b64decode(text: str) -> bytes | None:
    """Standard base64 in its one canonical spelling (padding, no stray characters or trailing bits), or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode("ascii") == text else None


def _valid_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``<name>+<hex key id>+<base64(0x01 || public key)>`` and check that the key id matches the key."""
    parts = text.strip().split("+", 2)  # the base64 key itself may contain "+"
    if len(parts) != 3:
        raise NoteError("公钥格式不正确(应为 名称+密钥编号+公钥) / verifier key is not <name>+<key id>+<key>")
    name, key_id_hex, key_b64 = parts
    if not _valid_key_name(name):
        raise NoteError("公钥名称不正确 / verifier key name is invalid")
    if not re.fullmatch(r"[0-9a-fA-F]{8}", key_id_hex):
        raise NoteError("公钥编号应为8位十六进制数 / verifier key id is not 8 hex digits")
    raw = _b64decode(key_b64)
    if raw is None:
        raise NoteError("公钥不是规范的 base64 / verifier key is not canonical base64")
    if len(raw) != 1 + ED25519_PUBLIC_BYTES or raw[0] != ED25519_TYPE:
        raise NoteError("公钥不是 Ed25519 公钥 / verifier key is not an Ed25519 key")
    public_key = raw[1:]
    key_id = bytes.fromhex(key_id_hex)
    if key_id_for(name, public_key) != key_id:
        raise NoteError("公钥编号与公钥不符 / verifier key id does not match the key")
    return VerifierKey(name=name, key_id=key_id, public_key=public_key)


MAX_SIGNATURES = 100


def open_signed_note(note: bytes, key: VerifierKey) -> str:
    """Return the text of ``note`` if it carries a valid signature by ``key``; else raise ``NoteError``.

    Signature lines of other keys are ignored (a note may be co-signed, e.g. by witnesses); a signature line
    of this key that does not verify rejects the note.
    """
    try:
        whole = note.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("签名文本不是 UTF-8 / note is not UTF-8") from exc
    if any(ch < " " and ch != "\n" for ch in whole):
        raise NoteError("签名文本含有控制字符 / note contains control characters")
    split = whole.rfind("\n\n")
    if split < 0:
        raise NoteError("签名文本缺少签名 / note has no signature block")
    text, signatures = whole[: split + 1], whole[split + 2 :]
    if not signatures.endswith("\n"):
        raise NoteError("签名行不完整 / signature block does not end with a newline")
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        # signed-note: verifiers cap the signatures they look at (and accept at least 16); Go caps at 100.
        raise NoteError(f"签名多于 {MAX_SIGNATURES} 个 / more than {MAX_SIGNATURES} signatures")
    matched = False
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("签名行格式不正确 / malformed signature line")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(encoded)
        if not _valid_key_name(name) or raw is None or len(raw) <= KEY_ID_BYTES:
            raise NoteError("签名行格式不正确 / malformed signature line")
        if name != key.name or raw[:KEY_ID_BYTES] != key.key_id:
            continue  # another key's signature (a witness, say): not ours to judge
        # Every line that names this key must verify; one that does not means the text or signature was altered.
        signature = raw[KEY_ID_BYTES:]
        try:
            if len(signature) != ED25519_SIGNATURE_BYTES:
                raise InvalidSignature
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(signature, text.encode("utf-8"))
        except InvalidSignature as exc:
            raise NoteError(
                "检查点签名无效:内容已被改动或签名伪造 / checkpoint signature is invalid (text altered or forged)"
            ) from exc
        matched = True
    if not matched:
        raise NoteError(
            f"检查点没有所给公钥({key.name})的签名 / checkpoint is not signed by the given key ({key.name})"
        )
    return text


def parse_checkpoint(text: str) -> CheckpointBody:
    """C2SP tlog-checkpoint note text: origin, decimal tree size, base64 root hash, then extension lines."""
    if not text.endswith("\n"):
        raise NoteError("检查点文本格式不正确 / checkpoint text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or any(line == "" for line in lines):
        raise NoteError("检查点文本格式不正确 / checkpoint text is not origin, size, root hash")
    origin, size_text, root_text = lines[:3]
    if not DECIMAL.fullmatch(size_text):
        raise NoteError("检查点树大小不是十进制整数 / checkpoint tree size is not a decimal number")
    root = _b64decode(root_text)
    if root is None:
        raise NoteError("检查点树根不是有效的 base64 / checkpoint root hash is not valid base64")
    if len(root) != HASH_BYTES:
        raise NoteError("检查点树根长度不正确 / checkpoint root hash is not 32 bytes")
    return CheckpointBody(origin=origin, size=int(size_text), root=root)


# --- Merkle tree (RFC 9162 §2.1) ------------------------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` lead from the leaf hash at ``index`` to ``root`` of a tree of ``size``?"""
    if index < 0 or index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = _node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- BagIt (RFC 8493) -----------------------------------------------------------------------------------------


def encode_manifest_path(path: str) -> str:
    """RFC 8493 §2.1.3: CR, LF and % in a manifest's file path are percent-encoded, and only those."""
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def decode_manifest_path(text: str) -> str:
    return re.sub(r"%(25|0[DdAa])", lambda m: {"25": "%", "0D": "\r", "0A": "\n"}[m.group(1).upper()], text)


@dataclass(frozen=True)
class Failure:
    path: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.path}: {self.zh} / {self.en}"


@dataclass
class Report:
    failures: list[Failure] = field(default_factory=list)
    payload_files: int = 0
    payload_bytes: int = 0
    entries: int = 0
    rows: int = 0
    media: int = 0
    records: int = 0
    checkpoint: CheckpointBody | None = None
    case_number: str = ""
    case_title: str = ""
    export: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, path: str, zh: str, en: str) -> None:
        self.failures.append(Failure(path=path, zh=zh, en=en))


class BundleUnusable(Exception):
    """The file is not a bag we can read at all (not a zip, no bagit.txt); nothing else can be checked."""


class _Bag:
    """Read access to one zipped bag: files by their path relative to the bag's base directory."""

    def __init__(self, archive: zipfile.ZipFile, report: Report) -> None:
        self.archive = archive
        self.report = report
        self.files: dict[str, zipfile.ZipInfo] = {}
        self._hashes: dict[tuple[str, str], str | None] = {}
        infos = [info for info in archive.infolist() if not info.is_dir()]
        names = [info.filename for info in infos]
        if BAGIT_TXT in names:
            base = ""
        else:
            tops = {name.split("/", 1)[0] for name in names}
            base = f"{next(iter(tops))}/" if len(tops) == 1 else ""
            if not base or f"{base}{BAGIT_TXT}" not in names:
                raise BundleUnusable("找不到 bagit.txt:这不是 BagIt 案卷包 / no bagit.txt: this is not a BagIt bag")
        self.base = base
        for info in infos:
            name = info.filename
            if not name.startswith(base):
                report.fail(name, "文件位于案卷包目录之外", "file lies outside the bag's base directory")
                continue
            rel = name[len(base) :]
            parts = rel.split("/")
            if rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
                report.fail(name, "文件路径不安全,已忽略", "unsafe path, ignored")
                continue
            if rel in self.files:
                report.fail(rel, "同名文件出现多次", "the same path occurs more than once in the zip")
                continue
            self.files[rel] = info

    def read(self, rel: str, limit: int = MAX_TEXT_BYTES) -> bytes | None:
        info = self.files.get(rel)
        if info is None:
            return None
        if info.file_size > limit:
            self.report.fail(rel, "文件过大,未读取", f"file larger than {limit} bytes, not read")
            return None
        try:
            return self.archive.read(info)
        except ZIP_READ_ERRORS as exc:  # a CRC error is a changed byte
            self.report.fail(rel, f"文件已损坏({exc})", f"file is damaged ({exc})")
            return None

    def digest(self, rel: str, algorithm: str = "sha256") -> str | None:
        """Hex digest of the file's bytes, streamed in chunks (media can be large); None when unreadable."""
        key = (rel, algorithm)
        if key not in self._hashes:
            hasher = hashlib.new(algorithm)
            try:
                with self.archive.open(self.files[rel]) as stream:
                    while chunk := stream.read(READ_CHUNK):
                        hasher.update(chunk)
                self._hashes[key] = hasher.hexdigest()
            except ZIP_READ_ERRORS as exc:
                self.report.fail(rel, f"文件已损坏({exc})", f"file is damaged ({exc})")
                self._hashes[key] = None
        return self._hashes[key]

    def listing(self, prefix: str) -> list[str]:
        return sorted(rel for rel in self.files if rel.startswith(prefix))


def _text_lines(bag: _Bag, rel: str) -> list[str] | None:
    data = bag.read(rel)
    if data is None:
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        bag.report.fail(rel, "标签文件不得以 BOM 开头", "tag file must not begin with a byte-order mark")
        data = data[3:]
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        bag.report.fail(rel, "不是 UTF-8 文本", "not UTF-8 text")
        return None


def _check_declaration(bag: _Bag) -> None:
    lines = _text_lines(bag, BAGIT_TXT)
    if lines is None:
        return
    if (
        len(lines) != 2
        or not re.fullmatch(r"BagIt-Version: [0-9]+\.[0-9]+", lines[0])
        or lines[1] != "Tag-File-Character-Encoding: UTF-8"
    ):
        bag.report.fail(BAGIT_TXT, "BagIt 声明文件格式不正确", "bag declaration is not the two required lines")


def _check_manifest(bag: _Bag, rel: str, algorithm: str, *, payload: bool) -> set[str]:
    """Check every line of one manifest; return the paths it lists."""
    listed: set[str] = set()
    if algorithm not in hashlib.algorithms_available:
        bag.report.fail(rel, f"不支持的摘要算法 {algorithm}", f"unsupported checksum algorithm {algorithm}")
        return listed
    lines = _text_lines(bag, rel)
    for number, line in enumerate(lines or [], start=1):
        match = MANIFEST_LINE.fullmatch(line)
        if match is None:
            bag.report.fail(rel, f"第 {number} 行格式不正确", f"line {number} is not '<checksum> <path>'")
            continue
        expected, path = match.group(1).lower(), decode_manifest_path(match.group(2))
        if payload != path.startswith(PAYLOAD_DIR):
            where = "载荷清单只能列出 data/ 下的文件" if payload else "标签清单不得列出 data/ 下的文件"
            bag.report.fail(rel, f"第 {number} 行:{where}", f"line {number}: {path} is in the wrong manifest")
            continue
        if path in listed:
            bag.report.fail(rel, f"第 {number} 行:{path} 重复列出", f"line {number}: {path} is listed twice")
            continue
        listed.add(path)
        if path not in bag.files:
            bag.report.fail(path, f"清单 {rel} 列出的文件缺失", f"file listed in {rel} is missing")
            continue
        actual = bag.digest(path, algorithm)
        if actual is not None and actual != expected:
            bag.report.fail(
                path,
                f"文件内容与清单 {rel} 的摘要不符(已被改动)",
                f"{algorithm} checksum differs from {rel} (file was changed)",
            )
    return listed


def _bag_info(bag: _Bag) -> dict[str, list[str]]:
    """Labels (lower-cased) → values, continuation lines joined (RFC 8493 §2.2.2)."""
    elements: list[tuple[str, str]] = []
    for number, line in enumerate(_text_lines(bag, BAG_INFO_TXT) or [], start=1):
        if line[:1] in (" ", "\t") and elements:
            label, value = elements[-1]
            elements[-1] = (label, f"{value} {line.strip()}")
            continue
        label, sep, value = line.partition(":")
        if not sep or not label or label != label.strip() or value[:1] not in (" ", "\t"):
            bag.report.fail(BAG_INFO_TXT, f"第 {number} 行格式不正确", f"line {number} is not 'Label: value'")
            continue
        elements.append((label, value[1:]))
    info: dict[str, list[str]] = {}
    for label, value in elements:
        info.setdefault(label.lower(), []).append(value)
    return info


def check_fixity(bag: _Bag) -> None:
    """RFC 8493 §3: a complete and valid bag, plus Payload-Oxum and Bagging-Date."""
    report = bag.report
    _check_declaration(bag)
    top_level = [rel for rel in bag.files if "/" not in rel]
    manifests = {rel: m.group(1) for rel in top_level if (m := MANIFEST_NAME.fullmatch(rel))}
    tag_manifests = {rel: m.group(1) for rel in top_level if (m := TAG_MANIFEST_NAME.fullmatch(rel))}
    payload = {rel for rel in bag.files if rel.startswith(PAYLOAD_DIR)}
    if "manifest-sha256.txt" not in manifests:
        report.fail("manifest-sha256.txt", "缺少载荷清单", "payload manifest is missing")
    for rel, algorithm in sorted(manifests.items()):
        listed = _check_manifest(bag, rel, algorithm, payload=True)
        for path in sorted(payload - listed):
            report.fail(path, f"文件未列入清单 {rel}(多出的文件)", f"payload file not listed in {rel} (extra file)")
    if not tag_manifests:
        report.fail("tagmanifest-sha256.txt", "缺少标签清单", "tag manifest is missing")
    tag_files = {rel for rel in bag.files if not rel.startswith(PAYLOAD_DIR) and rel not in tag_manifests}
    for rel, algorithm in sorted(tag_manifests.items()):
        listed = _check_manifest(bag, rel, algorithm, payload=False)
        for manifest in sorted(set(manifests) - listed):
            report.fail(rel, f"标签清单未列出 {manifest}", f"tag manifest does not list {manifest}")
        for path in sorted(tag_files - listed):
            report.fail(path, f"文件未列入标签清单 {rel}(多出的文件)", f"tag file not listed in {rel} (extra file)")
    report.payload_files = len(payload)
    report.payload_bytes = sum(bag.files[rel].file_size for rel in payload)
    if BAG_INFO_TXT not in bag.files:
        report.fail(BAG_INFO_TXT, "缺少 bag-info.txt", "bag-info.txt is missing")
        return
    info = _bag_info(bag)
    oxum = info.get("payload-oxum", [])
    if len(oxum) != 1 or not (match := PAYLOAD_OXUM.fullmatch(oxum[0].strip())):
        report.fail(BAG_INFO_TXT, "Payload-Oxum 缺失或格式不正确", "Payload-Oxum is missing or malformed")
    elif (int(match.group(1)), int(match.group(2))) != (report.payload_bytes, report.payload_files):
        report.fail(
            BAG_INFO_TXT,
            f"Payload-Oxum {oxum[0]} 与实际的 {report.payload_bytes}.{report.payload_files} 不符(文件被增删或改动)",
            f"Payload-Oxum {oxum[0]} differs from the actual {report.payload_bytes}.{report.payload_files}",
        )
    dates = info.get("bagging-date", [])
    if len(dates) != 1 or not BAGGING_DATE.fullmatch(dates[0].strip()):
        report.fail(BAG_INFO_TXT, "Bagging-Date 缺失或格式不正确", "Bagging-Date is missing or not YYYY-MM-DD")


# --- the content: checkpoint, entries, proofs, items ---------------------------------------------------------


def _json(bag: _Bag, rel: str) -> Any:
    data = bag.read(rel)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        bag.report.fail(rel, "不是有效的 JSON", "not valid JSON")
        return None


@dataclass
class _Entry:
    index: int
    data: bytes
    fields: dict[str, Any]

    @property
    def subject(self) -> str:
        return str(self.fields.get("subject"))

    def digest(self, name: str) -> str | None:
        value = self.fields["digests"].get(name)
        return value if isinstance(value, str) else None


def _check_checkpoint(bag: _Bag, key: VerifierKey) -> CheckpointBody | None:
    report = bag.report
    data = bag.read(CHECKPOINT_TXT)
    if data is None:
        if CHECKPOINT_TXT not in bag.files:
            report.fail(CHECKPOINT_TXT, "缺少签名检查点", "signed checkpoint is missing")
        return None
    try:
        body = parse_checkpoint(open_signed_note(data, key))
    except NoteError as exc:
        zh, _, en = str(exc).partition(" / ")
        report.fail(CHECKPOINT_TXT, zh, en or zh)
        return None
    if body.origin != key.name:
        report.fail(
            CHECKPOINT_TXT,
            f"检查点来源“{body.origin}”与公钥名称“{key.name}”不一致",
            f"checkpoint origin {body.origin!r} is not the key name {key.name!r}",
        )
        return None
    return body


def _read_entries(bag: _Bag) -> dict[int, _Entry]:
    entries: dict[int, _Entry] = {}
    for rel in bag.listing(ENTRIES_DIR):
        match = INDEX_FILE.fullmatch(rel[len(ENTRIES_DIR) :])
        if match is None:
            bag.report.fail(rel, "账本条目文件名应为 <序号>.json", "ledger entry file is not named <index>.json")
            continue
        data = bag.read(rel)
        if data is None:
            continue
        try:
            fields = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            bag.report.fail(rel, "账本条目不是有效的 JSON", "ledger entry is not valid JSON")
            continue
        if not isinstance(fields, dict) or set(fields) != ENTRY_FIELDS or not isinstance(fields["digests"], dict):
            bag.report.fail(rel, "账本条目字段不正确", "ledger entry is not action/actor/subject/at/digests")
            continue
        entries[int(match.group(1))] = _Entry(index=int(match.group(1)), data=data, fields=fields)
    bag.report.entries = len(entries)
    return entries


def _hash_list(value: Any) -> list[bytes] | None:
    if not isinstance(value, list):
        return None
    hashes = []
    for item in value:
        if not isinstance(item, str) or not HASH_HEX.fullmatch(item):
            return None
        hashes.append(bytes.fromhex(item))
    return hashes


def _check_proofs(bag: _Bag, entries: dict[int, _Entry], checkpoint: CheckpointBody | None) -> set[int]:
    """Check every entry's leaf hash and inclusion proof; return the indices of entries that failed (they vouch
    for nothing: no row is checked against them)."""
    report = bag.report
    failed: set[int] = set()
    proof_files = {}
    for rel in bag.listing(PROOFS_DIR):
        match = INDEX_FILE.fullmatch(rel[len(PROOFS_DIR) :])
        if match is None or int(match.group(1)) not in entries:
            report.fail(rel, "多出的包含证明(没有对应的账本条目)", "inclusion proof without a matching ledger entry")
            continue
        proof_files[int(match.group(1))] = rel
    for index, entry in sorted(entries.items()):
        rel = proof_files.get(index)
        entry_rel = f"{ENTRIES_DIR}{index}.json"
        if rel is None:
            report.fail(entry_rel, "缺少该条目的包含证明", "no inclusion proof for this entry")
            failed.add(index)
            continue
        proof = _json(bag, rel)
        if proof is None:
            failed.add(index)
            continue
        hashes = _hash_list(proof.get("proof")) if isinstance(proof, dict) else None
        if not isinstance(proof, dict) or set(proof) != PROOF_FIELDS or hashes is None:
            report.fail(rel, "包含证明格式不正确", "inclusion proof is not {index, size, leaf_hash, proof: [hex]}")
            failed.add(index)
            continue
        leaf = leaf_hash(entry.data)
        if proof["index"] != index:
            report.fail(rel, f"包含证明的序号 {proof['index']} 与条目 #{index} 不符", "proof index differs")
            failed.add(index)
            continue
        if proof["leaf_hash"] != leaf.hex():
            report.fail(
                rel,
                f"叶哈希与账本条目 #{index} 的内容不符(条目或证明被改动)",
                f"leaf hash differs from SHA-256(0x00 || entry #{index}) (entry or proof changed)",
            )
            failed.add(index)
            continue
        if checkpoint is None:
            continue  # the checkpoint's own failure is reported once; there is no trusted root to prove against
        if proof["size"] != checkpoint.size:
            report.fail(
                rel,
                f"包含证明针对的树大小 {proof['size']} 不是检查点的 {checkpoint.size}",
                f"proof is for tree size {proof['size']}, the checkpoint has {checkpoint.size}",
            )
            failed.add(index)
            continue
        if not verify_inclusion(leaf, index, checkpoint.size, hashes, checkpoint.root):
            report.fail(
                rel,
                f"包含证明不成立:条目 #{index} 无法推导出检查点的树根(证明或条目被改动)",
                f"inclusion proof of entry #{index} does not lead to the checkpoint's root (proof or entry changed)",
            )
            failed.add(index)
    return failed


def _anchors(entries: dict[int, _Entry]) -> dict[str, _Entry]:
    """Subject → its latest entry that anchors a row state (carries ``digests["row"]``)."""
    anchors: dict[str, _Entry] = {}
    for index in sorted(entries):
        entry = entries[index]
        if entry.digest("row") is not None:
            anchors[entry.subject] = entry
    return anchors


def snapshot_path(subject: str) -> str:
    return f"{ROWS_DIR}{subject.replace(':', '_')}{SNAPSHOT_SUFFIX}"


def _check_rows(bag: _Bag, entries: dict[int, _Entry]) -> dict[str, dict[str, Any]]:
    """Every snapshot against the latest entry for its subject; return subject → verified snapshot."""
    report = bag.report
    anchors = {snapshot_path(subject): entry for subject, entry in _anchors(entries).items()}
    verified: dict[str, dict[str, Any]] = {}
    for rel in bag.listing(ROWS_DIR):
        entry = anchors.get(rel)
        if entry is None:
            report.fail(rel, "数据行快照没有对应的账本条目", "row snapshot has no ledger entry for its subject")
            continue
        actual = bag.digest(rel)
        if actual is None:
            continue
        report.rows += 1
        if actual != entry.digest("row"):
            report.fail(
                rel,
                f"数据行快照的 SHA-256 与账本条目 #{entry.index} 记录的摘要不符(内容已被改动)",
                f"snapshot SHA-256 differs from digests.row of entry #{entry.index} (content was changed)",
            )
            continue
        snapshot = _json(bag, rel)
        if isinstance(snapshot, dict):
            verified[entry.subject] = snapshot
    for rel, entry in sorted(anchors.items()):
        if rel not in bag.files:
            report.fail(
                rel, f"缺少账本条目 #{entry.index} 所记录的数据行快照", f"snapshot for entry #{entry.index} missing"
            )
    return verified


def _check_media(bag: _Bag, entries: dict[int, _Entry], rows: dict[str, dict[str, Any]]) -> None:
    report = bag.report
    named: dict[str, str] = {}  # sha256 → path
    for rel in bag.listing(MEDIA_DIR):
        match = MEDIA_FILE.fullmatch(rel[len(MEDIA_DIR) :])
        if match is None:
            report.fail(rel, "音像文件名应为 <SHA-256>.<扩展名>", "media file is not named <sha256>.<ext>")
            continue
        sha256 = match.group(1)
        if sha256 in named:
            report.fail(rel, "同一内容的音像文件出现两次", "the same media content occurs twice")
            continue
        named[sha256] = rel
        report.media += 1
        actual = bag.digest(rel)
        if actual is not None and actual != sha256:
            report.fail(
                rel,
                "音像文件内容已被改动:SHA-256 与文件名及账本记录不符",
                f"media content was changed: its SHA-256 is {actual}",
            )
        blob = rows.get(f"blob:{sha256}")
        if blob is None:
            report.fail(rel, "没有经核验的存储对象记录(blob)与之对应", "no verified blob row for this media file")
        elif blob.get("size") != bag.files[rel].file_size:
            report.fail(rel, "音像文件大小与存储对象记录不符", "media file size differs from its blob row")
    for index, entry in sorted(entries.items()):
        sha256 = entry.digest("blob")
        if sha256 is not None and sha256 not in named:
            report.fail(
                f"{ENTRIES_DIR}{index}.json",
                f"缺少账本条目 #{index} 所记录的音像文件 {sha256[:16]}…",
                f"media file {sha256} named by entry #{index} is missing",
            )
    for subject, snapshot in sorted(rows.items()):
        if subject.startswith("media:") and snapshot.get("blob_id") not in named:
            report.fail(snapshot_path(subject), "该音像资料的文件缺失", "the media object's file is missing")


def _instant(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _same(view: Any, stored: Any) -> bool:
    if view == stored and type(view) is type(stored):
        return True
    if isinstance(view, str) and isinstance(stored, str):
        # Times are shown in local time (or with Z) and stored in UTC: the same instant is the same value.
        a, b = _instant(view), _instant(stored)
        return a is not None and a == b
    if isinstance(view, dict) and isinstance(stored, dict):
        return view.keys() == stored.keys() and all(_same(view[k], stored[k]) for k in view)
    if isinstance(view, list) and isinstance(stored, list):
        return len(view) == len(stored) and all(_same(a, b) for a, b in zip(view, stored, strict=True))
    return False


def _compare_view(
    bag: _Bag, rel: str, view: Any, subject: str, rows: dict[str, dict[str, Any]], link_key: str | None = None
) -> None:
    """Every field of the readable view must equal the verified row snapshot's, except those the exporter marked
    as unverified display information (``UNVERIFIED``) and nested rows, which are compared with their own rows."""
    snapshot = rows.get(subject)
    if snapshot is None:
        bag.report.fail(rel, f"没有经核验的数据行 {subject} 与之对应", f"no verified row snapshot for {subject}")
        return
    for key in sorted(view):
        if key == UNVERIFIED:
            if not isinstance(view[key], dict):
                bag.report.fail(rel, f"“{UNVERIFIED}”格式不正确", f"{UNVERIFIED!r} is not an object")
            continue
        if (key in NESTED_ROWS and key not in snapshot) or key == link_key:
            continue  # nested rows are compared with their own rows; the link key is how this row was found
        if key not in snapshot:
            bag.report.fail(
                rel,
                f"字段“{key}”不在账本核验过的数据行 {subject} 中,且未标为未核验信息(可能是伪造)",
                f"field {key!r} is not in the verified row {subject} and not marked unverified (possibly forged)",
            )
        elif not _same(view[key], snapshot[key]):
            bag.report.fail(
                rel,
                f"字段“{key}”与账本核验过的数据行 {subject} 不符(内容已被改动)",
                f"field {key!r} differs from the verified row {subject} (content was changed)",
            )
    for key, (kind, id_key) in NESTED_ROWS.items():
        items = view.get(key)
        if key in snapshot or items is None:
            continue
        if not isinstance(items, list):
            bag.report.fail(rel, f"“{key}”格式不正确", f"{key!r} is not a list")
            continue
        for position, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get(id_key), int):
                bag.report.fail(rel, f"“{key}”第{position + 1}项缺少编号", f"{key}[{position}] has no {id_key}")
                continue
            _compare_view(
                bag, f"{rel} {key}[{id_key}={item[id_key]}]", item, f"{kind}:{item[id_key]}", rows, link_key=id_key
            )


def _view(bag: _Bag, rel: str) -> Any:
    view = _json(bag, rel)
    if view is not None and not isinstance(view, dict | list):
        bag.report.fail(rel, "内容格式不正确", "unexpected JSON shape")
        return None
    return view


def _id_of(bag: _Bag, rel: str, view: Any) -> int | None:
    if not isinstance(view, dict) or not isinstance(view.get("id"), int):
        bag.report.fail(rel, "缺少编号(id)", "no id field")
        return None
    return view["id"]


def _check_views(bag: _Bag, rows: dict[str, dict[str, Any]]) -> None:
    report = bag.report
    case = _view(bag, CASE_JSON)
    if CASE_JSON not in bag.files:
        report.fail(CASE_JSON, "缺少案件信息", "case.json is missing")
    elif (case_id := _id_of(bag, CASE_JSON, case)) is not None:
        _compare_view(bag, CASE_JSON, case, f"case:{case_id}", rows)
        report.case_number, report.case_title = str(case.get("number", "")), str(case.get("title", ""))
    for rel in bag.listing(RECORDS_DIR):
        match = INDEX_FILE.fullmatch(rel[len(RECORDS_DIR) :])
        record = _view(bag, rel)
        record_id = _id_of(bag, rel, record) if record is not None else None
        if record_id is None:
            continue
        if match is None or int(match.group(1)) != record_id:
            report.fail(rel, "文件名与记录编号不符", "file name differs from the record's id")
            continue
        if "content" not in record:
            report.fail(rel, "缺少记录内容(content)", "the record's content is missing")
        report.records += 1
        _compare_view(bag, rel, record, f"record:{record_id}", rows)
    media = _view(bag, MEDIA_JSON) if MEDIA_JSON in bag.files else []
    for item in media if isinstance(media, list) else []:
        if (media_id := _id_of(bag, MEDIA_JSON, item)) is not None:
            _compare_view(bag, f"{MEDIA_JSON}[id={media_id}]", item, f"media:{media_id}", rows)
    export = _view(bag, EXPORT_JSON)
    if EXPORT_JSON in bag.files and (export_id := _id_of(bag, EXPORT_JSON, export)) is not None:
        _compare_view(bag, EXPORT_JSON, export, f"case_export:{export_id}", rows)
        report.export = export


def _check_inventory(bag: _Bag, entries: dict[int, _Entry], rows: dict[str, dict[str, Any]]) -> None:
    """Nothing removed or added since the export: the inventory's SHA-256 is on the export row (anchored by the
    export's own entry, inside the bundle), and the inventory must list exactly the items present."""
    report = bag.report
    exports = sorted(subject for subject in rows if subject.startswith(f"{EXPORT_KIND}:"))
    if len(exports) != 1:
        report.fail(EXPORT_JSON, "缺少经账本核验的导出记录", "no export row verified against the ledger")
        return
    expected = rows[exports[0]].get("inventory_sha256")
    if not isinstance(expected, str) or not HASH_HEX.fullmatch(expected):
        report.fail(snapshot_path(exports[0]), "导出记录没有清单摘要", "the export row has no inventory digest")
        return
    data = bag.read(INVENTORY_TXT)
    if data is None:
        if INVENTORY_TXT not in bag.files:
            report.fail(INVENTORY_TXT, "缺少案卷包清单", "the inventory is missing")
        return
    if hashlib.sha256(data).hexdigest() != expected:
        report.fail(
            INVENTORY_TXT,
            "清单与账本记录的导出清单摘要不符(清单被改动)",
            "inventory differs from the digest on the ledgered export row (inventory changed)",
        )
        return
    listed: set[tuple[int, str, str]] = set()
    for number, line in enumerate(data.decode("ascii", errors="replace").splitlines(), start=1):
        parts = line.split(" ")
        if len(parts) != 3 or not DECIMAL.fullmatch(parts[0]) or not HASH_HEX.fullmatch(parts[2]):
            report.fail(
                INVENTORY_TXT, f"第 {number} 行格式不正确", f"line {number} is not '<index> <subject> <digest>'"
            )
            continue
        listed.add((int(parts[0]), parts[1], parts[2]))
    present = {
        (entry.index, subject, str(entry.digest("row")))
        for subject, entry in _anchors(entries).items()
        if subject in rows and not subject.startswith(f"{EXPORT_KIND}:")
    }
    for index, subject, _digest in sorted(listed - present, key=lambda item: item[1]):
        report.fail(
            snapshot_path(subject),
            f"导出时案卷包含有 {subject}(账本条目 #{index}),现已缺失或被替换",
            f"{subject} (entry #{index}) was in the bundle when exported and is now missing or replaced",
        )
    for index, subject, _digest in sorted(present - listed, key=lambda item: item[1]):
        report.fail(
            snapshot_path(subject),
            f"{subject}(账本条目 #{index})不在导出清单中(后来加入)",
            f"{subject} (entry #{index}) is not in the export's inventory (added later)",
        )


def verify_bundle(path: str, key: VerifierKey) -> Report:
    """Check everything; raise ``BundleUnusable`` only when the file cannot be read as a bag at all."""
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleUnusable(f"无法作为 zip 文件打开 / cannot open as a zip file: {exc}") from exc
    with archive:
        bag = _Bag(archive, report)
        check_fixity(bag)
        report.checkpoint = _check_checkpoint(bag, key)
        entries = _read_entries(bag)
        failed = _check_proofs(bag, entries, report.checkpoint)
        # An entry whose proof failed vouches for nothing: rows are checked against the proven entries only.
        entries = {index: entry for index, entry in entries.items() if index not in failed}
        rows = _check_rows(bag, entries)
        _check_media(bag, entries, rows)
        _check_views(bag, rows)
        _check_inventory(bag, entries, rows)
    return report


def summary_lines(report: Report, path: str) -> Iterable[str]:
    if report.ok:
        yield f"核验通过:案卷包 {path} 完好,内容与签名检查点一致。"
        yield f"INTACT: bundle {path} is complete, unaltered and consistent with the signed checkpoint."
    else:
        yield f"核验未通过:发现 {len(report.failures)} 处问题。"
        yield f"FAILED: {len(report.failures)} problem(s) found."
        for failure in report.failures:
            yield f"  ✗ {failure}"
    if report.case_number or report.case_title:
        yield f"案件 case: {report.case_number} {report.case_title}".rstrip()
    yield (
        f"载荷 payload: {report.payload_files} 个文件 files, {report.payload_bytes} 字节 bytes; "
        f"记录 records: {report.records}; 音像 media: {report.media}; 数据行 rows: {report.rows}; "
        f"账本条目 entries: {report.entries}"
    )
    if report.checkpoint is not None:
        cp = report.checkpoint
        yield (
            f"签名检查点 checkpoint: {cp.origin}, 树大小 size {cp.size}, "
            f"树根 root {base64.b64encode(cp.root).decode('ascii')}"
        )
    if report.export:
        yield (
            f"导出 export: {report.export.get('exported_at', '')} 操作人编号 actor {report.export.get('actor_id')} "
            f"事由 reason: {report.export.get('reason', '')}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="verify_bundle.py",
        description="离线核验全程案卷包 / verify a Quancheng case bundle offline",
    )
    parser.add_argument("bundle", help="案卷包 zip 文件 / the bundle (.zip)")
    parser.add_argument(
        "--key",
        required=True,
        help="执法机关公布的账本公钥(从独立渠道获取,勿用包内的) / the log's verifier key, obtained independently",
    )
    args = parser.parse_args(argv)
    # Chinese and symbols must print on any console (a GBK Windows console included) rather than crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        key = parse_verifier_key(args.key)
    except NoteError as exc:
        print(f"公钥无法使用 / unusable key: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        report = verify_bundle(args.bundle, key)
    except BundleUnusable as exc:
        print(f"{args.bundle}: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for line in summary_lines(report, args.bundle):
        print(line)
    return EXIT_OK if report.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
