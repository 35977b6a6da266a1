"""Signed checkpoints of the ledger (C2SP tlog-checkpoint in a C2SP signed note, Ed25519).

A checkpoint says "this log had root R at size N", signed by the log's key: anyone who keeps one can later prove
that the log was rewritten if a consistency proof to the current tree cannot be made, and a bundle's inclusion
proofs are checked against one. Every checkpoint made is kept (``LedgerCheckpoint``).

The private key lives in a file outside the database (``QUANCHENG_LEDGER_KEY_FILE``), created at first use with
mode 0600 and never overwritten: whoever can read the database must not be able to sign, and a key that changed
under a running server would leave it signing with a key nobody can check. Its key name is the log's origin
(``QUANCHENG_LOG_ORIGIN``), as tlog-checkpoint recommends. The file holds one line in Go's signer key format
(``PRIVATE+KEY+<name>+<key ID>+<base64>``), so Go's ``sumdb/note`` tools can read it too.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction

from quancheng.core.errors import DomainError

from . import merkle, tree
from .models import LedgerCheckpoint, LedgerHead
from .note import (
    CheckpointBody,
    NoteError,
    Signer,
    Verifier,
    format_checkpoint,
    generate_signer,
    is_valid_key_name,
    parse_checkpoint,
    parse_signer_key,
    sign_note,
    split_note,
    verify_checkpoint,
)

logger = logging.getLogger(__name__)

# Owner read/write only; any group or other permission bit makes the key unusable.
KEY_FILE_MODE = 0o600
KEY_FILE_FORBIDDEN_BITS = 0o077
# A new directory for the key gets owner-only permissions as well.
KEY_DIR_MODE = 0o700
# Stored checkpoints read per round trip when verify checks them.
CHECKPOINT_CHUNK_ROWS = 500


class SigningKeyError(RuntimeError):
    """The signing key file cannot be used; the message says why and what to do, in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


class CheckpointError(RuntimeError):
    """Signing now would contradict an earlier checkpoint (tlog-checkpoint: a log MUST NOT sign such a one)."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh = message_zh
        self.message_en = message_en


# --- the key file -------------------------------------------------------------------------------------------


def log_origin() -> str:
    """The configured origin line, which must also be a valid key name (no spaces, no '+')."""
    origin = settings.QUANCHENG_LOG_ORIGIN
    if not is_valid_key_name(origin):
        raise SigningKeyError(
            f"QUANCHENG_LOG_ORIGIN “{origin}”不能用作签名密钥名称(不得为空,不得含空白字符或“+”)",
            f"QUANCHENG_LOG_ORIGIN {origin!r} cannot be a key name: it must be non-empty, without spaces or '+'",
        )
    return origin


def key_file() -> Path:
    return Path(settings.QUANCHENG_LEDGER_KEY_FILE)


_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[tuple[int, int, int, int], Signer]] = {}


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create_key_file(path: Path, origin: str) -> None:
    """Write a new key to ``path`` unless one appears there first: written to a 0600 temporary file, then linked
    into place. ``os.link`` never replaces an existing file, so when two processes start at once (gunicorn and
    the checkpointer) exactly one key wins and both then read that one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=KEY_DIR_MODE)
    signer = generate_signer(origin)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, KEY_FILE_MODE)
    try:
        os.fchmod(fd, KEY_FILE_MODE)  # whatever the umask left
        data = (signer.signer_key() + "\n").encode("ascii")
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created the key first; it is the one to use
    finally:
        os.unlink(temporary)
    _fsync_directory(path.parent)
    logger.info("created the ledger signing key %s (key ID %s)", path, signer.key_id.hex())


def _read_key_file(path: Path, origin: str) -> tuple[tuple[int, int, int, int], Signer]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise SigningKeyError(
            f"签名密钥文件 {path} 无法读取:{exc.strerror}", f"cannot read the signing key file {path}: {exc}"
        ) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SigningKeyError(
                f"签名密钥文件 {path} 不是普通文件", f"the signing key file {path} is not a regular file"
            )
        mode = stat.S_IMODE(info.st_mode)
        if mode & KEY_FILE_FORBIDDEN_BITS:
            raise SigningKeyError(
                f"签名密钥文件 {path} 的权限 {mode:04o} 过宽,其他用户可能已读取私钥;请核实后执行 chmod 600 {path}",
                f"the signing key file {path} has permissions {mode:04o}, readable by others; check that the key "
                f"has not leaked, then run: chmod 600 {path}",
            )
        chunks: list[bytes] = []
        while chunk := os.read(fd, 4096):
            chunks.append(chunk)
    except OSError as exc:
        raise SigningKeyError(
            f"签名密钥文件 {path} 无法读取:{exc.strerror}", f"cannot read the signing key file {path}: {exc}"
        ) from exc
    finally:
        os.close(fd)
    try:
        signer = parse_signer_key(b"".join(chunks).decode("ascii").strip())
    except (UnicodeDecodeError, NoteError) as exc:
        raise SigningKeyError(
            f"签名密钥文件 {path} 的内容不是有效的私钥", f"the signing key file {path} does not hold a valid key"
        ) from exc
    if signer.name != origin:
        raise SigningKeyError(
            f"签名密钥文件 {path} 属于账本“{signer.name}”,而 QUANCHENG_LOG_ORIGIN 是“{origin}”;请恢复原设置,"
            "或把该文件移开以生成新密钥(此前的检查点将无法再用新公钥核验)",
            f"the signing key file {path} is for log {signer.name!r} but QUANCHENG_LOG_ORIGIN is {origin!r}; restore "
            "the setting, or move the file away to create a new key (earlier checkpoints will not verify with it)",
        )
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_mode), signer


def load_signer(*, create: bool = True) -> Signer | None:
    """The log's signing key, read from the key file (created when missing if ``create``; else None).

    Raises :class:`SigningKeyError` when the file is unreadable, not 0600 (or narrower), malformed, or made for
    another origin. The key is cached per process, and re-read when the file changes (so a key file whose
    permissions were widened is refused from then on).
    """
    origin = log_origin()
    path = key_file()
    cache_key = (str(path), origin)
    with _cache_lock:
        try:
            info = path.stat()
        except FileNotFoundError:
            if not create:
                return None
            _create_key_file(path, origin)
            info = path.stat()
        except OSError as exc:
            raise SigningKeyError(
                f"签名密钥文件 {path} 无法访问:{exc.strerror}", f"cannot access the signing key file {path}: {exc}"
            ) from exc
        cached = _cache.get(cache_key)
        if cached is not None and cached[0] == (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_mode):
            return cached[1]
        identity, signer = _read_key_file(path, origin)
        _cache[cache_key] = (identity, signer)
        return signer


def signing_key() -> Signer:
    """The signing key, created at first use."""
    signer = load_signer(create=True)
    assert signer is not None  # create=True never returns None
    return signer


def verifier_key() -> str:
    """The C2SP verifier key ``<name>+<hex key ID>+<base64(0x01 ‖ public key)>`` that checks our checkpoints."""
    return signing_key().verifier().verifier_key()


# --- making checkpoints -------------------------------------------------------------------------------------


def latest_checkpoint() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-size", "-pk").first()


def _refuse_inconsistent(latest: LedgerCheckpoint | None, size: int, root: bytes) -> None:
    """tlog-checkpoint §Signatures: a log MUST NOT sign a tree inconsistent with a checkpoint it signed before.

    Checked with an RFC 9162 consistency proof read from the stored nodes (the ones proofs and tiles are served
    from): from the latest checkpoint's size to the head's, the old root must be the signed one and the new root
    the head's. Without an earlier checkpoint, the stored nodes must still give the head's root. ``quancheng
    verify`` recomputes the whole tree from the entries.
    """
    if latest is not None and size < latest.size:
        raise CheckpointError(
            f"账本只有 {size} 个条目,少于已签名检查点 #{latest.pk} 的 {latest.size} 个:"
            "拒绝签名,请运行 quancheng verify",
            f"the ledger has {size} entries, fewer than the {latest.size} of signed checkpoint #{latest.pk}: "
            "refusing to sign; run quancheng verify",
        )
    try:
        if latest is not None and latest.size > 0:
            proof = tree.prove_consistency(latest.size, size)
            old_root, new_root, proven = proof.old_root, proof.new_root, proof.verify()
        else:
            old_root, new_root, proven = merkle.EMPTY_ROOT, tree.root_at(size), True
    except (tree.LedgerNodeMissing, DomainError) as exc:
        raise CheckpointError(
            f"无法从存储的默克尔树节点读出树根:{exc}。拒绝签名,请运行 quancheng verify",
            f"the stored Merkle tree nodes cannot give the root ({exc}): refusing to sign; run quancheng verify",
        ) from exc
    if latest is not None and old_root != bytes(latest.root):
        raise CheckpointError(
            f"账本在 {latest.size} 个条目时的树根与已签名检查点 #{latest.pk} 不符(账本被改写?):拒绝签名,"
            "请运行 quancheng verify",
            f"the ledger's root at size {latest.size} differs from signed checkpoint #{latest.pk} (rewritten?): "
            "refusing to sign; run quancheng verify",
        )
    if new_root != root or not proven:
        raise CheckpointError(
            f"账本状态中的树根与存储的默克尔树节点在 {size} 个条目时不符:拒绝签名,请运行 quancheng verify",
            f"the head's root differs from the stored Merkle tree nodes at size {size}: refusing to sign; "
            "run quancheng verify",
        )


def make_checkpoint(*, force: bool = False) -> LedgerCheckpoint | None:
    """Sign the current (size, root) and keep it; None when the log has not grown since the latest checkpoint
    (``force``: sign the same size again). The first checkpoint is always made, even of an empty log.

    Raises :class:`CheckpointError` rather than sign a tree inconsistent with the latest checkpoint, and
    :class:`SigningKeyError` when the key file is unusable.
    """
    signer = signing_key()  # before the transaction: creating the key file is slow I/O
    with transaction.atomic():
        # Locking the head row serialises checkpointers (the "grew?" test and the insert see the same latest
        # checkpoint) and waits for an append in progress; appenders wait only for one signature.
        head = LedgerHead.objects.select_for_update().filter(pk=1).first()
        size = head.size if head is not None else 0
        root = bytes(head.root) if head is not None else merkle.EMPTY_ROOT
        latest = latest_checkpoint()
        if latest is not None and size == latest.size and not force and bytes(latest.root) == root:
            return None
        _refuse_inconsistent(latest, size, root)
        note = sign_note(format_checkpoint(signer.name, size, root), signer)
        return LedgerCheckpoint.objects.create(size=size, root=root, note=note, key_id=signer.key_id.hex())


def run_checkpointer(interval: float, stop_event: threading.Event) -> None:
    """Every ``interval`` seconds until ``stop_event`` is set: sign the log if it grew. A key file that is unusable
    at start stops it at once (a configuration error); a failed round later on (database gone, key file changed,
    inconsistent tree) is logged and the next round tries again."""
    from quancheng.core.periodic import PeriodicJobs

    signing_key()  # fail fast: a missing directory or a key with the wrong permissions is a configuration error
    logger.info("checkpointer started: every %s s, log %s, key %s", interval, log_origin(), key_file())
    periodic = PeriodicJobs()
    while not stop_event.is_set():
        close_old_connections()
        try:
            checkpoint = make_checkpoint()
        except CheckpointError as exc:
            logger.error("checkpoint refused: %s", exc)
        except Exception:
            logger.exception("checkpoint failed; retrying in %s s", interval)
        else:
            if checkpoint is not None:
                logger.info("signed checkpoint #%s: size %s", checkpoint.pk, checkpoint.size)
        finally:
            close_old_connections()
        periodic.run_due()  # the deployment's other periodic work (rules sweep, ...), each at its own interval
        close_old_connections()
        stop_event.wait(interval)


# --- checking stored checkpoints (for verify) ---------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One problem with the stored checkpoints; ``kind`` is a ``verify.ProblemKind`` value."""

    kind: str
    subject: str
    message_zh: str
    message_en: str
    index: int | None = None


CHECKPOINT_INVALID = "checkpoint_invalid"
CHECKPOINT_MISMATCH = "checkpoint_mismatch"
CHECKPOINT_BEYOND_TREE = "checkpoint_beyond_tree"


@dataclass(frozen=True)
class _Stored:
    pk: int
    size: int
    root: bytes
    created_at: str


class CheckpointAudit:
    """Checks every stored checkpoint while verify recomputes the tree, in one merge of two sorted streams.

    Each note must verify with our key (the key file's; ``verifier`` to use another) and name our origin, and its
    columns must repeat its signed body. Verify calls :meth:`observe` with the recomputed root at every size in
    increasing order (0 first); a checkpoint's root must equal it. :meth:`finish` reports what is left: checkpoints
    of sizes beyond the tree (the log was truncated), plus summaries. Memory stays flat however many are kept.
    """

    def __init__(self, *, verifier: Verifier | None = None, origin: str | None = None) -> None:
        self.findings: list[Finding] = []
        self.checked = 0
        self._verifier = verifier
        self._origin = origin
        self._key_loaded = verifier is not None
        self._rows: Iterator[tuple[int, int, bytes, str, object]] | None = None
        self._next: _Stored | None = None
        self._exhausted = False
        self._last_matched = 0
        self._first_mismatch: tuple[_Stored, bytes] | None = None
        self._mismatches = 0
        self._beyond: list[_Stored] = []

    # The key file is read only once a checkpoint exists: a log without checkpoints needs no key, and verify
    # never creates one.
    def _load_key(self) -> None:
        self._key_loaded = True
        if self._origin is None:
            self._origin = settings.QUANCHENG_LOG_ORIGIN
        try:
            signer = load_signer(create=False)
        except SigningKeyError as exc:
            self._add(
                CHECKPOINT_INVALID,
                "checkpoints",
                f"无法核验签名检查点的签名:{exc.message_zh}",
                f"cannot check the checkpoints' signatures: {exc.message_en}",
            )
            return
        if signer is None:
            self._add(
                CHECKPOINT_INVALID,
                "checkpoints",
                f"存有签名检查点,但签名密钥文件 {key_file()} 不存在,无法核验其签名",
                f"checkpoints are stored but the signing key file {key_file()} is missing: signatures not checked",
            )
            return
        self._verifier = signer.verifier()

    def _add(self, kind: str, subject: str, zh: str, en: str, index: int | None = None) -> None:
        self.findings.append(Finding(kind=kind, subject=subject, message_zh=zh, message_en=en, index=index))

    def _iter_rows(self) -> Iterator[tuple[int, int, bytes, str, object]]:
        if self._rows is None:
            self._rows = (
                LedgerCheckpoint.objects.order_by("size", "pk")
                .values_list("pk", "size", "root", "note", "created_at")
                .iterator(chunk_size=CHECKPOINT_CHUNK_ROWS)
            )
        return self._rows

    def _body(self, pk: int, note: str) -> CheckpointBody | None:
        subject = f"checkpoint:{pk}"
        if not self._key_loaded:
            self._load_key()
        try:
            if self._verifier is not None:
                return verify_checkpoint(note, self._verifier, origin=self._origin)
            # Without our key the signature cannot be checked (reported once), but the root still can.
            return parse_checkpoint(split_note(note)[0])
        except NoteError as exc:
            self._add(
                CHECKPOINT_INVALID,
                subject,
                f"签名检查点 #{pk} 未通过核验:{exc.message_zh}",
                f"signed checkpoint #{pk} does not verify: {exc.message_en}",
            )
            return None

    def _advance(self) -> None:
        """Set ``_next`` to the next stored checkpoint whose note verifies, reporting the others."""
        self._next = None
        if self._exhausted:
            return
        for pk, size, root, note, created_at in self._iter_rows():
            self.checked += 1
            body = self._body(pk, note)
            if body is None:
                continue
            if body.size != size or body.root != bytes(root):
                self._add(
                    CHECKPOINT_INVALID,
                    f"checkpoint:{pk}",
                    f"签名检查点 #{pk} 的大小或树根字段与其签名正文不符(字段被改动)",
                    f"signed checkpoint #{pk}: the size or root columns differ from its signed text (columns edited)",
                )
                if body.size != size:
                    continue  # out of order now; the signed text is what counts, and it was reported
            self._next = _Stored(pk=pk, size=body.size, root=body.root, created_at=str(created_at))
            return
        self._exhausted = True

    def observe(self, size: int, root: bytes) -> None:
        """The recomputed root at ``size``; call for 0, 1, 2, ... in order."""
        if self._rows is None:
            self._advance()
        while self._next is not None and self._next.size <= size:
            stored = self._next
            if stored.size == size:
                if stored.root == root:
                    if self._first_mismatch is None:
                        self._last_matched = size
                else:
                    self._mismatches += 1
                    if self._first_mismatch is None:
                        self._first_mismatch = (stored, root)
            self._advance()

    def finish(self, tree_size: int) -> list[Finding]:
        """Drain the rest (checkpoints beyond the tree, or left unchecked after a broken chain); the findings."""
        if self._rows is None:
            self._advance()
        while self._next is not None:
            if self._next.size > tree_size:
                self._beyond.append(self._next)
            self._advance()
        if self._first_mismatch is not None:
            stored, root = self._first_mismatch
            self._add(
                CHECKPOINT_MISMATCH,
                f"checkpoint:{stored.pk}",
                f"账本已被改写:签名检查点 #{stored.pk}({stored.created_at})记录的 {stored.size} 个条目时的树根"
                f"与重算结果不符,共 {self._mismatches} 个检查点不符;"
                f"改动位于条目 #{self._last_matched}–#{stored.size - 1} 之间",
                f"ledger rewritten: signed checkpoint #{stored.pk} ({stored.created_at}) has root {stored.root.hex()} "
                f"at size {stored.size}, the entries now give {root.hex()}; {self._mismatches} signed checkpoint(s) "
                f"differ; the change lies in entries #{self._last_matched}..#{stored.size - 1}",
                stored.size - 1 if stored.size else None,
            )
        if self._beyond:
            largest = max(self._beyond, key=lambda stored: (stored.size, stored.pk))
            self._add(
                CHECKPOINT_BEYOND_TREE,
                f"checkpoint:{largest.pk}",
                f"账本被截短或改写:签名检查点 #{largest.pk} 记录账本在 {largest.created_at} 已有 {largest.size} 个条目,"
                f"现在只有 {tree_size} 个(共 {len(self._beyond)} 个检查点超出)",
                f"ledger shrank/rewritten: signed checkpoint #{largest.pk} recorded {largest.size} entries at "
                f"{largest.created_at}, the ledger now has {tree_size} ({len(self._beyond)} checkpoint(s) beyond it)",
                tree_size,
            )
        return self.findings


__all__ = [
    "CHECKPOINT_BEYOND_TREE",
    "CHECKPOINT_INVALID",
    "CHECKPOINT_MISMATCH",
    "KEY_FILE_MODE",
    "CheckpointAudit",
    "CheckpointError",
    "Finding",
    "SigningKeyError",
    "key_file",
    "latest_checkpoint",
    "load_signer",
    "log_origin",
    "make_checkpoint",
    "run_checkpointer",
    "signing_key",
    "verifier_key",
]
