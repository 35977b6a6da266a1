"""Export a case as a self-verifying bundle (案卷包): a BagIt bag (RFC 8493), zipped, that a court, the party or
the supervising agency checks offline with ``data/verify_bundle.py`` (``bundle_verifier.py``) and the log's key.

Layout under the bag's base directory::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/README.txt                  how to verify, in Chinese, with the command lines
    data/verify_bundle.py            the standalone verifier (Python 3.11+ and ``cryptography``)
    data/case.json                   the case as users see it (the API's CaseOut)
    data/records/<id>.json           each record as users see it (RecordOut, with its signatures)
    data/media.json                  the media objects as users see them (MediaOut), with their file names
    data/export.json                 this export: who, when, why
    data/inventory.txt               every item carried and the entry anchoring it; its SHA-256 is on the export
                                     row, which the export's own entry anchors: an item removed later is detected
    data/rows/<kind>_<pk>.snapshot.json   for every ledgered row included: exactly the RFC 8785 bytes of
                                     ``row.ledger_snapshot()``, whose SHA-256 is the entry's ``digests["row"]``
    data/media/<sha256>.<ext>        the stored bytes of every blob the case's media and signatures name
    data/ledger/entries/<index>.json the exact bytes of each item's latest anchoring entry (and a record's sealing
                                     entry), as the log hashed them
    data/ledger/proofs/<index>.json  {"index", "size", "leaf_hash", "proof": [hex]}: RFC 9162 inclusion proof of
                                     that entry in the tree of the one checkpoint below
    data/ledger/checkpoint.txt       that signed checkpoint (C2SP tlog-checkpoint in a signed note)

Personal data is fine here (the bundle goes to people entitled to the case); the public log only ever holds
digests. Exporting is itself ledgered (``cases.services.case_export_record``: who, when, why) before the bundle is
written — that entry is inside the bundle — and the bundle's SHA-256 is anchored once the zip is complete
(``case_export_complete``), so a bundle can later be shown to be exactly the one handed out. Every media object the
bundle carries gets its own custody entry (an ``export`` MediaAccess, ``media.exported`` in the ledger, with the
export's reason) in the same transaction as the export's decision, like any other copy of a recording (ARCHIVE-08);
those entries come after the decision and are not inside the bundle (they anchor rows the bundle does not carry).

Memory stays bounded: rows and entries of one case are small; media bytes are copied from the blob store in
chunks and hashed on the way, and the zip is written to a stream (seekable or not).

The ledger app sits below the domain apps; like ``verify.py`` this module imports them lazily.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO

import rfc8785
from django.db import connection, transaction
from django.utils import timezone

from quancheng.core.errors import DomainError, ErrorCode

from . import checkpoints, tree
from .bundle_verifier import (
    BAG_INFO_TXT,
    BAGIT_TXT,
    CASE_JSON,
    CHECKPOINT_TXT,
    ENTRIES_DIR,
    EXPORT_JSON,
    INVENTORY_TXT,
    MEDIA_DIR,
    MEDIA_JSON,
    NESTED_ROWS,
    PROOFS_DIR,
    RECORDS_DIR,
    UNVERIFIED,
    encode_manifest_path,
    snapshot_path,
)
from .models import LedgerAction, LedgerCheckpoint, Ledgered, LedgerEntry, sha256_hex

if TYPE_CHECKING:
    from quancheng.accounts.models import User
    from quancheng.cases.models import Case, CaseExport

BAGIT_VERSION = "1.0"
PAYLOAD_MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
README_TXT = "data/README.txt"
VERIFIER_PY = "data/verify_bundle.py"
VERIFIER_SOURCE = Path(__file__).with_name("bundle_verifier.py")
# Media bytes are copied from the blob store in pieces of this size.
COPY_CHUNK = 1024 * 1024
# Subjects per IN (...) query: well under SQLite's bound-parameter limit.
SUBJECTS_PER_QUERY = 500
MEDIA_EXTENSION = re.compile(r"\.[a-z0-9]{1,10}")
DEFAULT_MEDIA_EXTENSION = ".bin"
SOFTWARE_AGENT = "quancheng (全程) case bundle 1"


@dataclass(frozen=True)
class ExportResult:
    export: CaseExport
    sha256: str  # of the zip as written
    size: int  # bytes written
    checkpoint: LedgerCheckpoint
    entries: int
    payload_files: int


@dataclass
class _Plan:
    """Everything the bundle holds except media bytes, read from one consistent snapshot of the database."""

    case_view: dict[str, Any]
    record_views: list[dict[str, Any]]
    media_views: list[dict[str, Any]]
    snapshots: dict[str, bytes]  # subject → RFC 8785 bytes of its snapshot
    anchors: dict[str, int]  # subject → index of its latest anchoring entry
    entries: dict[int, bytes]  # index → exact entry bytes
    media: dict[str, tuple[str, int]]  # blob sha256 → (file extension, size)
    export_view: dict[str, Any] = field(default_factory=dict)
    media_ids: list[int] = field(default_factory=list)  # the media objects carried: each gets a custody entry


# --- reading the case ---------------------------------------------------------------------------------------


@contextmanager
def _consistent_reads() -> Iterator[None]:
    """Read rows and entries from one snapshot, so no write commits between a row and its anchor.

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction. SQLite: a transaction is serialisable already (our
    connections BEGIN IMMEDIATE, so writers wait the few milliseconds this takes). Inside a caller's transaction
    that transaction already gives one view.
    """
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _anchored_view(
    view: dict[str, Any], subject: str, snapshots: dict[str, bytes], link_key: str | None = None
) -> dict[str, Any]:
    """Keep at the top of a readable view only the fields its ledgered row holds (the verifier checks each one);
    move everything else (names, labels) under ``UNVERIFIED`` so no reader mistakes it for verified content."""
    fields = set(json.loads(snapshots[subject]))
    anchored: dict[str, Any] = {}
    unverified: dict[str, Any] = {}
    for key, value in view.items():
        if key in fields or key == link_key:
            anchored[key] = value
        elif key in NESTED_ROWS and isinstance(value, list):
            kind, id_key = NESTED_ROWS[key]
            anchored[key] = [_anchored_view(item, f"{kind}:{item[id_key]}", snapshots, id_key) for item in value]
        else:
            unverified[key] = value
    if unverified:
        anchored[UNVERIFIED] = unverified
    return anchored


def _dump_view(view: Any) -> bytes:
    return (json.dumps(view, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _snapshot_bytes(row: Ledgered) -> bytes:
    return rfc8785.dumps(row.ledger_snapshot())


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _anchor_entries(subjects: list[str]) -> tuple[dict[str, tuple[int, bytes, str]], dict[str, tuple[int, bytes]]]:
    """subject → (index, bytes, row digest) of its latest anchoring entry, and subject → its ``record.sealed``
    entry. Digests are read from the hashed bytes, never from the convenience columns (as ``verify`` does)."""
    latest: dict[str, tuple[int, bytes, str]] = {}
    sealed: dict[str, tuple[int, bytes]] = {}
    for chunk in _chunks(subjects, SUBJECTS_PER_QUERY):
        rows = LedgerEntry.objects.filter(subject__in=chunk).order_by("index").values_list("index", "subject", "entry")
        for index, subject, data in rows:
            data = bytes(data)
            try:
                fields = json.loads(data.decode("utf-8"))
                digests = fields["digests"]
                action = fields["action"]
            except (UnicodeDecodeError, ValueError, KeyError, TypeError):
                continue  # a malformed entry anchors nothing; verify reports it
            if isinstance(digests, dict) and isinstance(digests.get("row"), str):
                latest[subject] = (index, data, digests["row"])
            if action == LedgerAction.RECORD_SEALED and subject not in sealed:
                sealed[subject] = (index, data)
    return latest, sealed


def _media_extension(names: Iterable[str], content_type: str) -> str:
    for name in names:
        suffix = PurePosixPath(name).suffix.lower()
        if MEDIA_EXTENSION.fullmatch(suffix):
            return suffix
    guessed = (mimetypes.guess_extension(content_type.split(";")[0].strip()) or "").lower()
    return guessed if MEDIA_EXTENSION.fullmatch(guessed) else DEFAULT_MEDIA_EXTENSION


def _collect(case: Case) -> _Plan:
    """Read the case's rows, the readable views and every row's latest anchor; refuse when they disagree."""
    from django.db.models import Q

    from quancheng.cases.models import CaseHandler, CaseParty, Party, StageChange
    from quancheng.cases.schemas import CaseOut
    from quancheng.evidence.models import Blob, MediaObject
    from quancheng.evidence.schemas import MediaOut
    from quancheng.records.models import Record
    from quancheng.records.schemas import RecordOut

    case = type(case).objects.select_related("agency", "unit").get(pk=case.pk)
    records = list(
        Record.objects.filter(case=case)
        .select_related("author", "supersedes", "superseded_by")
        .prefetch_related("signatures")
        .order_by("created_at", "pk")
    )
    signatures = [signature for record in records for signature in record.signatures.all()]
    media = list(
        MediaObject.objects.filter(Q(case=case) | Q(record__case=case))
        .select_related("blob", "device")
        .order_by("uploaded_at", "pk")
    )
    wanted_blobs = {item.blob_id for item in media} | {s.image_sha256 for s in signatures if s.image_sha256}
    blobs = list(Blob.objects.filter(pk__in=sorted(wanted_blobs)).order_by("pk"))
    rows: list[Ledgered] = [
        case,
        *Party.objects.filter(case_links__case=case).distinct().order_by("pk"),
        *CaseParty.objects.filter(case=case).order_by("pk"),
        *CaseHandler.objects.filter(case=case).order_by("pk"),
        *StageChange.objects.filter(case=case).order_by("pk"),
        *records,
        *signatures,
        *media,
        *blobs,
    ]
    snapshots = {row.ledger_subject(): _snapshot_bytes(row) for row in rows}
    latest, sealed = _anchor_entries(list(snapshots))
    mismatched = sorted(
        subject
        for subject, data in snapshots.items()
        if subject not in latest or latest[subject][2] != sha256_hex(data)
    )
    if mismatched:
        shown = "、".join(mismatched[:5]) + ("等" if len(mismatched) > 5 else "")
        raise DomainError(
            ErrorCode.LEDGER_MISMATCH,
            f"案卷数据与账本记录不一致({shown}),不能导出可核验的案卷包;请运行 quancheng verify 排查",
        )
    entries = {index: data for index, data, _digest in latest.values()}
    entries.update({index: data for index, data in sealed.values()})

    names_by_blob: dict[str, list[str]] = {}
    types_by_blob: dict[str, str] = {}
    for item in media:
        names_by_blob.setdefault(item.blob_id, []).append(item.original_name)
        types_by_blob.setdefault(item.blob_id, item.content_type)
    files = {
        blob.sha256: (
            _media_extension(names_by_blob.get(blob.sha256, []), types_by_blob.get(blob.sha256, "")),
            blob.size,
        )
        for blob in blobs
    }
    media_views = []
    for item in media:
        view = MediaOut.from_orm(item).model_dump(mode="json")
        # Decimals (EXIF GPS) written as the row snapshot writes them ("30.5", not the schema's "30.500000"): the
        # verifier compares the two strings, and a geotagged photo would otherwise never verify.
        for key in list(view):
            if isinstance(value := getattr(item, key, None), Decimal):
                view[key] = format(value.normalize(), "f")
        if item.blob_id in files:
            view["file"] = f"media/{item.blob_id}{files[item.blob_id][0]}"
        media_views.append(view)
    return _Plan(
        case_view=CaseOut.from_orm(case).model_dump(mode="json"),
        record_views=[RecordOut.from_orm(record).model_dump(mode="json") for record in records],
        media_views=media_views,
        snapshots=snapshots,
        anchors={subject: latest[subject][0] for subject in snapshots},
        entries=entries,
        media=files,
        media_ids=[item.pk for item in media],
    )


def _inventory(plan: _Plan) -> bytes:
    """``<entry index> <subject> <row digest>`` per item, sorted: what the bundle carries, committed (by its digest
    on the export row) in the export's own ledger entry, so that removing an item from the bundle is detected."""
    return "".join(
        f"{plan.anchors[subject]} {subject} {sha256_hex(plan.snapshots[subject])}\n"
        for subject in sorted(plan.snapshots)
    ).encode("ascii")


def _add_export(plan: _Plan, export: CaseExport) -> None:
    """The export's own row and its ``case.exported`` entry: the bundle carries the record of its making."""
    export.refresh_from_db()
    subject = export.ledger_subject()
    data = _snapshot_bytes(export)
    latest, _sealed = _anchor_entries([subject])
    if subject not in latest or latest[subject][2] != sha256_hex(data):
        raise DomainError(ErrorCode.LEDGER_MISMATCH, "导出记录与账本不一致")
    plan.snapshots[subject] = data
    plan.anchors[subject] = latest[subject][0]
    plan.entries[latest[subject][0]] = latest[subject][1]
    actor = export.actor
    plan.export_view = {
        "id": export.pk,
        "case_id": export.case_id,
        "actor_id": export.actor_id,
        "actor_name": actor.display_name if actor is not None else "系统(命令行导出)",
        "reason": export.reason,
        "exported_at": timezone.localtime(export.exported_at).isoformat(),
    }


# --- the checkpoint and the proofs ------------------------------------------------------------------------


def _covering_checkpoint(size_needed: int) -> LedgerCheckpoint:
    """The latest signed checkpoint, signing a new one when the latest does not yet cover every entry we hold."""
    latest = checkpoints.latest_checkpoint()
    if latest is None or latest.size < size_needed:
        try:
            latest = checkpoints.make_checkpoint() or checkpoints.latest_checkpoint()
        except checkpoints.CheckpointError as exc:  # the log contradicts an earlier signed checkpoint
            raise DomainError(ErrorCode.LEDGER_MISMATCH, exc.message_zh) from exc
    if latest is None or latest.size < size_needed:  # pragma: no cover - the log cannot shrink under us
        raise DomainError(ErrorCode.LEDGER_MISMATCH, "没有覆盖全部条目的签名检查点")
    return latest


def _proofs(entries: dict[int, bytes], checkpoint: LedgerCheckpoint) -> dict[int, dict[str, Any]]:
    """Each entry's inclusion proof in the checkpoint's tree, checked before it is written: a bundle that cannot
    verify is never handed out."""
    root = bytes(checkpoint.root)
    proofs: dict[int, dict[str, Any]] = {}
    for index in sorted(entries):
        proved = tree.prove_inclusion(index, checkpoint.size)
        if proved.root != root or proved.leaf_hash != hashlib.sha256(b"\x00" + entries[index]).digest():
            raise DomainError(
                ErrorCode.LEDGER_MISMATCH, f"账本条目 #{index} 与签名检查点不一致,请运行 quancheng verify"
            )
        if not proved.verify():  # pragma: no cover - tree.prove_inclusion and merkle.verify_inclusion disagree
            raise DomainError(ErrorCode.LEDGER_MISMATCH, f"账本条目 #{index} 的包含证明不成立")
        proofs[index] = {
            "index": index,
            "size": checkpoint.size,
            "leaf_hash": proved.leaf_hash.hex(),
            "proof": [node.hex() for node in proved.proof],
        }
    return proofs


# --- writing the zip ----------------------------------------------------------------------------------------


class _HashingStream(io.RawIOBase):
    """Write-through to ``out``, hashing and counting every byte: the bundle's SHA-256 without reading it back.
    Not seekable, so ``zipfile`` streams (data descriptors) whatever ``out`` is."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self.out = out
        self.hasher = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.out.write(view)
        self.hasher.update(view)
        self.size += len(view)
        return len(view)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.out.flush()


class _BagWriter:
    def __init__(self, stream: _HashingStream, base: str, when: datetime) -> None:
        self.zip = zipfile.ZipFile(stream, mode="w", allowZip64=True)
        self.base = base
        self.date_time = when.timetuple()[:6]
        self.payload: dict[str, tuple[str, int]] = {}  # rel path → (sha256, size)
        self.tags: dict[str, str] = {}

    def _info(self, rel: str, size: int, *, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(f"{self.base}/{rel}", date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.file_size = size  # known up front, so zipfile picks ZIP64 for large media itself
        info.external_attr = 0o644 << 16
        return info

    def add(self, rel: str, data: bytes) -> None:
        with self.zip.open(self._info(rel, len(data), compress=True), "w") as entry:
            entry.write(data)
        digest = hashlib.sha256(data).hexdigest()
        if rel.startswith("data/"):
            self.payload[rel] = (digest, len(data))
        else:
            self.tags[rel] = digest

    def add_stream(self, rel: str, stream: BinaryIO, size: int) -> str:
        """Copy ``stream`` in chunks (media are already compressed: stored as is); return its SHA-256."""
        hasher = hashlib.sha256()
        written = 0
        with self.zip.open(self._info(rel, size, compress=False), "w", force_zip64=size > zipfile.ZIP64_LIMIT) as out:
            while chunk := stream.read(COPY_CHUNK):
                hasher.update(chunk)
                out.write(chunk)
                written += len(chunk)
        digest = hasher.hexdigest()
        self.payload[rel] = (digest, written)
        return digest

    def close(self) -> None:
        self.zip.close()


def _bag_info_value(text: str) -> str:
    """bag-info.txt values are one line each (RFC 8493 §2.2.2)."""
    return " ".join(str(text).split())


def _readme(case: Case, checkpoint: LedgerCheckpoint, origin: str, filename: str) -> str:
    return f"""全程案卷包 — 核验说明
======================

案件:{case.number} {case.title}
执法机关:{case.agency.name}
账本名称(公钥名称):{origin}
签名检查点:账本共 {checkpoint.size} 个条目时的树根

本案卷包是什么
--------------
本文件是按 BagIt(RFC 8493)格式打包的案卷,内含案件信息、文字记录、音像资料,以及这些内容在
执法机关防篡改账本中的记录、每条记录的包含证明和一份经执法机关签名的账本检查点。任何人都可以
在不联网、不访问执法机关系统的情况下,核验本案卷包中的每一项内容与当时登记入账的完全一致。

如何核验(需要 Python 3.11 或更高版本,以及 cryptography 软件包)
--------------------------------------------------------------
1. 取得账本公钥:请从执法机关的官方网站(网址后缀 /log/key)、政府公告或书面函件等独立渠道
   获取公钥字符串,形如“{origin}+xxxxxxxx+AbC...”。切勿使用本案卷包中或随案卷包一同收到的
   任何公钥——能改动案卷包的人,也能替换随附的公钥。
2. 安装 cryptography(只需一次):
       python3 -m pip install cryptography
3. 从案卷包中取出核验程序 data/verify_bundle.py(用任意解压工具解压,或执行):
       unzip -j {filename} '*/data/verify_bundle.py'
4. 对整个 zip 文件运行核验(不要对解压后的目录运行):
       python3 verify_bundle.py {filename} --key '这里填入第1步取得的公钥'
   Windows 下把 python3 换成 py。
5. 结果:程序以状态码 0 结束并显示“核验通过”,说明案卷包完好;否则逐条列出未通过的文件及原因
   (例如音像文件被改动、记录字段被改动、包含证明不成立、检查点签名无效),并以非 0 状态码结束。

持有全程系统的单位也可以运行:
       quancheng verify-bundle {filename} --key '公钥'
两者执行的是同一个核验程序。

核验了什么
----------
- 案卷包完整性(BagIt):manifest-sha256.txt 逐一列出 data/ 下每个文件的 SHA-256,
  tagmanifest-sha256.txt 列出各清单文件的 SHA-256;bag-info.txt 中的 Payload-Oxum 为文件总字节数与文件数。
- 签名检查点 data/ledger/checkpoint.txt:C2SP tlog-checkpoint 格式,Ed25519 签名,只用命令行给出的公钥核验。
- 账本条目 data/ledger/entries/<序号>.json:账本当时逐字节哈希的内容;叶哈希 = SHA-256(0x00 ‖ 条目),
  并用 data/ledger/proofs/<序号>.json 中的包含证明(RFC 9162 §2.1.3)推导出检查点的树根。
- 数据行 data/rows/<类型>_<编号>.snapshot.json:账本所记录数据行的规范化 JSON(RFC 8785),
  其 SHA-256 必须等于对应账本条目的 digests.row;因此无需任何 JSON 规范化程序即可核验。
- 音像资料 data/media/<SHA-256>.<扩展名>:文件内容的 SHA-256 必须等于文件名及账本条目的 digests.blob。
- 便于阅读的文件 case.json(案件)、records/<编号>.json(文字记录及签名)、media.json(音像资料信息)、
  export.json(本次导出的导出人、时间、事由):顶层每个字段都与经核验的数据行逐一比对,多出的字段即判为
  伪造;姓名、类型名称等账本不保存的显示信息单独放在 "unverified_display" 中,未经核验,仅供阅读。
- 清单 data/inventory.txt:列出导出时案卷包所含的每一项及其账本条目;清单的 SHA-256 记在本次导出的
  账本记录中,因此导出后删除或增加任何一项都会被发现。

核验的含义与局限
----------------
核验通过,说明本案卷包中的每一项都与执法机关账本中相应条目记录的内容一致,且这些条目都包含在
经签名的检查点所代表的账本中。它不能说明检查点之后账本中是否还有新的条目(例如导出之后的更正);
如需确认,可向执法机关查询最新的签名检查点和一致性证明(网址后缀 /log/checkpoint)。

本次导出本身也已记入账本(导出人、时间、事由见 export.json);案卷包写完后,其 SHA-256
另行记入账本,可据此证明某一案卷包正是当次导出的那一份。
"""


def bundle_filename(case: Case) -> str:
    """The download's name: the case number (Chinese), e.g. ``示市监立〔2026〕1号-案卷包.zip``."""
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", case.number).strip("_") or f"case-{case.pk}"
    return f"{safe}-案卷包.zip"


def bundle_ascii_filename(case: Case) -> str:
    """An ASCII fallback name for clients that do not read RFC 5987 ``filename*``."""
    return f"case-{case.pk}-bundle.zip"


def _write_bag(
    out: BinaryIO,
    *,
    case: Case,
    export: CaseExport,
    plan: _Plan,
    inventory: bytes,
    checkpoint: LedgerCheckpoint,
    proofs: dict[int, dict[str, Any]],
) -> tuple[str, int, int]:
    """Write the zipped bag to ``out``; return (SHA-256 of the zip, its size, payload file count)."""
    from quancheng.evidence.storage import get_blob_store

    when = timezone.localtime(export.exported_at)
    stream = _HashingStream(out)
    bag = _BagWriter(stream, f"case-{case.pk}-export-{export.pk}", when)
    origin = checkpoints.log_origin()
    bag.add(README_TXT, _readme(case, checkpoint, origin, bundle_filename(case)).encode("utf-8"))
    bag.add(VERIFIER_PY, VERIFIER_SOURCE.read_bytes())
    views = plan.snapshots
    bag.add(CASE_JSON, _dump_view(_anchored_view(plan.case_view, f"case:{plan.case_view['id']}", views)))
    for view in plan.record_views:
        record_view = _anchored_view(view, f"record:{view['id']}", views)
        bag.add(f"{RECORDS_DIR}{view['id']}.json", _dump_view(record_view))
    bag.add(MEDIA_JSON, _dump_view([_anchored_view(v, f"media:{v['id']}", views) for v in plan.media_views]))
    export_subject = f"case_export:{plan.export_view['id']}"
    bag.add(EXPORT_JSON, _dump_view(_anchored_view(plan.export_view, export_subject, views)))
    bag.add(INVENTORY_TXT, inventory)
    for subject, data in sorted(plan.snapshots.items()):
        bag.add(snapshot_path(subject), data)
    for index, data in sorted(plan.entries.items()):
        bag.add(f"{ENTRIES_DIR}{index}.json", data)
        bag.add(f"{PROOFS_DIR}{index}.json", _dump_view(proofs[index]))
    bag.add(CHECKPOINT_TXT, checkpoint.note.encode("utf-8"))
    store = get_blob_store()
    for sha256, (extension, size) in sorted(plan.media.items()):
        with store.open(sha256) as source:
            actual = bag.add_stream(f"{MEDIA_DIR}{sha256}{extension}", source, size)
        if actual != sha256 or bag.payload[f"{MEDIA_DIR}{sha256}{extension}"][1] != size:
            raise DomainError(
                ErrorCode.LEDGER_MISMATCH, f"存储对象 {sha256[:16]}… 已损坏,不能导出;请运行 quancheng verify"
            )

    payload_bytes = sum(size for _digest, size in bag.payload.values())
    manifest = "".join(
        f"{digest}  {encode_manifest_path(rel)}\n" for rel, (digest, _size) in sorted(bag.payload.items())
    )
    bag.add(BAGIT_TXT, f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n".encode())
    info_lines = [
        ("Source-Organization", case.agency.name),
        ("External-Description", f"全程案卷包:{case.number} {case.title}"),
        ("External-Identifier", f"{case.number}/export-{export.pk}"),
        ("Bagging-Date", when.date().isoformat()),
        ("Payload-Oxum", f"{payload_bytes}.{len(bag.payload)}"),
        ("Bag-Software-Agent", SOFTWARE_AGENT),
        ("Quancheng-Log-Origin", origin),
        ("Quancheng-Checkpoint-Size", str(checkpoint.size)),
    ]
    bag.add(BAG_INFO_TXT, "".join(f"{label}: {_bag_info_value(value)}\n" for label, value in info_lines).encode())
    bag.add(PAYLOAD_MANIFEST, manifest.encode("utf-8"))
    tag_manifest = "".join(
        f"{digest}  {encode_manifest_path(rel)}\n" for rel, digest in sorted(bag.tags.items()) if rel != TAG_MANIFEST
    )
    bag.add(TAG_MANIFEST, tag_manifest.encode("utf-8"))
    bag.close()
    return stream.hasher.hexdigest(), stream.size, len(bag.payload)


# --- the export ---------------------------------------------------------------------------------------------


def _record_media_custody(*, actor: User | None, export: CaseExport, plan: _Plan, purpose: str | None) -> None:
    """An ``export`` custody entry for every media object in the bundle (ARCHIVE-08, ACCESS-05), with the export's
    reason and, as recipient, this export and the person it is for."""
    from quancheng.evidence.custody import media_bundle_export_record
    from quancheng.evidence.models import AccessPurpose, MediaObject

    if not plan.media_ids:
        return
    whom = actor.display_name if actor is not None else "系统(命令行导出)"
    media_bundle_export_record(
        actor=actor,
        media=MediaObject.objects.filter(pk__in=plan.media_ids).order_by("pk"),
        reason=export.reason,
        recipient=f"案卷包 {export.ledger_subject()}({whom})",
        purpose=purpose or AccessPurpose.LAWFUL_PROVISION,
    )


def export_case(
    *, actor: User | None, case: Case, reason: str, out: BinaryIO, purpose: str | None = None
) -> ExportResult:
    """Export ``case`` as a zipped BagIt bundle to ``out`` and ledger the export (who, when, why).

    ``actor``: the user the bundle is for — they must be allowed to see the case (``case_get_for``, the party
    included, ACCESS-04) — or None for the operator's command line. Refuses (writing nothing) when the reason is
    empty, the actor may not see the case, or the case's data no longer matches the ledger (LEDGER_MISMATCH: a
    bundle that cannot verify is never made). Raises ``checkpoints.SigningKeyError`` before writing anything when
    the signing key is unusable.

    ``purpose``: the permitted use (``evidence.models.AccessPurpose``, ACCESS-05/06) logged on the custody entry
    of every media object exported; by default a lawful provision (the bundle goes to someone entitled to it).
    """
    from quancheng.cases import selectors as case_selectors
    from quancheng.cases import services as case_services

    if actor is not None:
        case = case_selectors.case_get_for(actor, case.pk)
    if not (reason or "").strip():
        raise DomainError(ErrorCode.VALIDATION_ERROR, "请填写导出事由")
    checkpoints.signing_key()  # fail fast: no export is recorded that could not be signed
    with _consistent_reads():
        plan = _collect(case)
    inventory = _inventory(plan)
    # The decision, ledgered in its own transaction (who, when, why, and what goes out); its entry goes into the
    # bundle. The custody entries of the media it carries commit with it, or neither does.
    with transaction.atomic():
        export = case_services.case_export_record(
            actor=actor, case=case, reason=reason, inventory_sha256=hashlib.sha256(inventory).hexdigest()
        )
        _record_media_custody(actor=actor, export=export, plan=plan, purpose=purpose)
    _add_export(plan, export)
    checkpoint = _covering_checkpoint(max(plan.entries) + 1)
    proofs = _proofs(plan.entries, checkpoint)
    sha256, size, payload_files = _write_bag(
        out, case=case, export=export, plan=plan, inventory=inventory, checkpoint=checkpoint, proofs=proofs
    )
    export = case_services.case_export_complete(export=export, bundle_sha256=sha256)
    return ExportResult(
        export=export,
        sha256=sha256,
        size=size,
        checkpoint=checkpoint,
        entries=len(plan.entries),
        payload_files=payload_files,
    )


__all__ = ["ExportResult", "bundle_ascii_filename", "bundle_filename", "export_case"]
