"""A witness of the ledger kept outside the database: one ``{"size", "root", "at"}`` JSON line per checkpoint.

Everything in the database, head row included, can be rewritten consistently by whoever owns the tables:
delete the last entries and rewind the head, or edit an entry and recompute every later root. The Merkle tree
makes such a rewrite visible only to someone who kept an earlier root. This file is that someone: ``quancheng
verify`` checks that the tree recomputed from the entries has the witnessed root at every witnessed size,
and appends the current (size, root) when everything is intact; ``quancheng witness`` appends one on demand
(for cron). It is a stop-gap, compatible in spirit with the signed checkpoints (C2SP tlog-checkpoint) of a
later issue: same (size, root) pair, no signature yet, so it protects only as well as the file itself is kept
out of the attacker's reach (another machine, a backup, a write-once medium).

A rewrite that happened before the first witnessed checkpoint cannot be detected.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .services import format_time

# Owner read/write only: the file says nothing secret, but whoever can write it can forge a witness.
WITNESS_FILE_MODE = 0o600
# The last line of the file is found by reading at most this many bytes from its end (a line is ~130 bytes).
TAIL_BYTES = 4096
HASH_HEX_LENGTH = 64


@dataclass(frozen=True)
class Checkpoint:
    """The tree had ``root`` at ``size`` entries, as seen at ``at`` (UTC, ISO 8601)."""

    size: int
    root: bytes
    at: str
    line: int = 0  # line number in the witness file (1-based); 0 for a checkpoint not read from a file

    def to_line(self) -> bytes:
        data = {"size": self.size, "root": self.root.hex(), "at": self.at}
        return (json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n").encode("ascii")


@dataclass(frozen=True)
class MalformedLine:
    line: int
    reason: str


def witness_path() -> Path:
    return Path(settings.QUANCHENG_LEDGER_WITNESS)


def parse_line(text: str, line: int) -> Checkpoint | MalformedLine:
    """One witness line → a checkpoint, or the reason it cannot be one."""
    try:
        data = json.loads(text)
    except ValueError:
        return MalformedLine(line, "not JSON")
    if not isinstance(data, dict) or not {"size", "root", "at"} <= set(data):
        return MalformedLine(line, "fields size, root, at expected")
    size, root, at = data["size"], data["root"], data["at"]
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        return MalformedLine(line, "size is not a non-negative integer")
    if not isinstance(root, str) or len(root) != HASH_HEX_LENGTH:
        return MalformedLine(line, "root is not 64 hex digits")
    try:
        root_bytes = bytes.fromhex(root)
    except ValueError:
        return MalformedLine(line, "root is not 64 hex digits")
    if not isinstance(at, str):
        return MalformedLine(line, "at is not a string")
    return Checkpoint(size=size, root=root_bytes, at=at, line=line)


def parse_lines(lines: Iterable[str]) -> tuple[list[Checkpoint], list[MalformedLine]]:
    checkpoints: list[Checkpoint] = []
    malformed: list[MalformedLine] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        parsed = parse_line(text, number)
        if isinstance(parsed, Checkpoint):
            checkpoints.append(parsed)
        else:
            malformed.append(parsed)
    return checkpoints, malformed


def read_witness(path: Path) -> tuple[list[Checkpoint], list[MalformedLine]]:
    """Every checkpoint in the file (none when it does not exist yet) and every line that is not one."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return parse_lines(stream)
    except FileNotFoundError:
        return [], []


def _last_line(fd: int) -> str:
    end = os.lseek(fd, 0, os.SEEK_END)
    start = max(0, end - TAIL_BYTES)
    os.lseek(fd, start, os.SEEK_SET)
    tail = os.read(fd, end - start).decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_checkpoint(path: Path, *, size: int, root: bytes, at: datetime | None = None) -> Checkpoint | None:
    """Append (size, root) to the witness file, durably; ``None`` when its last line already has this size.

    The file is created with mode 0600. An exclusive lock makes the read-last-line-then-append step safe
    against a concurrent ``verify`` or cron run.
    """
    checkpoint = Checkpoint(size=size, root=root, at=format_time(at or timezone.now()))
    path.parent.mkdir(parents=True, exist_ok=True)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, WITNESS_FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last = parse_line(_last_line(fd), 0) if os.fstat(fd).st_size else None
        if isinstance(last, Checkpoint) and last.size == size:
            return None
        data = checkpoint.to_line()
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    if created:
        _fsync_directory(path.parent)  # the new file's directory entry must survive a crash too
    return checkpoint


__all__ = [
    "WITNESS_FILE_MODE",
    "Checkpoint",
    "MalformedLine",
    "append_checkpoint",
    "parse_line",
    "parse_lines",
    "read_witness",
    "witness_path",
]
