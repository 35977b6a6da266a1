"""C2SP tlog-tiles: the tree served as 256-hash tiles, and the entries as entry bundles.

- A tile ``tile/<L>/<N>[.p/<W>]`` is the concatenation of the hashes at tree level 8·L with indices
  N·256 … N·256+W-1 (W = 256 for a full tile): MTH(D[(N·256+i)·256**L : (N·256+i+1)·256**L]). Level 0 holds the
  leaf hashes. A partial tile (W in 1..255) is the prefix of the rightmost tile; it exists once its hashes exist.
- ``<N>`` is written in zero-padded 3-digit path elements, all but the last prefixed with ``x``: index 1234067 is
  ``x001/x234/067``. ``<L>`` and ``<W>`` are decimal with no leading zeroes, L in 0..63 and W in 1..255.
- An entry bundle ``tile/entries/<N>[.p/<W>]`` holds entries N·256 … N·256+W-1, each as a big-endian uint16 length
  followed by the entry bytes (here the RFC 8785 canonical JSON each leaf hashes).

The parser accepts only the canonical encoding, so each resource has exactly one path. Reads return ``None``
when the tree has not (yet) got the hashes a path names; nothing here depends on a request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import LedgerEntry, LedgerNode
from .tree import MAX_TREE_SIZE, node_key

TILE_HEIGHT = 8  # tree levels per tile (tlog-tiles fixes it at 8)
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes in a full tile, entries in a full bundle
MAX_TILE_LEVEL = 63  # <L> "between 0 and 63"
HASH_SIZE = 32
ENTRIES_SEGMENT = "entries"
# No tree reaches 2**48 leaves (tree.MAX_TREE_SIZE): 7 path elements (indices below 10**21) is already far beyond,
# and bounds the work a long path can cause.
MAX_INDEX_ELEMENTS = 7

# Decimal, no leading zeroes, and short enough that int() never sees a huge string: L is 0..63, W is 1..255.
_LEVEL = re.compile(r"^(0|[1-9][0-9]?)$")
_WIDTH = re.compile(r"^[1-9][0-9]{0,2}$")
_INNER_ELEMENT = re.compile(r"^x[0-9]{3}$")
_LAST_ELEMENT = re.compile(r"^[0-9]{3}$")


class TilePathError(ValueError):
    """The path is not a tile or entry bundle path as tlog-tiles encodes them; the message says why (Chinese)."""


@dataclass(frozen=True)
class TileRef:
    """A hash tile (``level`` 0..63) or, with ``level`` None, an entry bundle."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def is_entries(self) -> bool:
        return self.level is None

    def path(self) -> str:
        """The path under the log prefix, e.g. ``tile/0/x001/x234/067.p/8``."""
        head = ENTRIES_SEGMENT if self.level is None else str(self.level)
        suffix = f".p/{self.width}" if self.partial else ""
        return f"tile/{head}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """``1234067`` → ``x001/x234/067``; ``5`` → ``005``."""
    if index < 0:
        raise ValueError(f"tile index must not be negative, got {index}")
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(elements))


def parse_tile_path(path: str) -> TileRef:
    """Parse what follows ``tile/``: ``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]``, canonical encoding only."""
    parts = path.split("/")
    if len(parts) < 2:
        raise TilePathError("瓦片路径不完整:应为 tile/<L>/<N>[.p/<W>] 或 tile/entries/<N>[.p/<W>]")
    head, rest = parts[0], parts[1:]
    if head == ENTRIES_SEGMENT:
        level = None
    else:
        if not _LEVEL.match(head) or int(head) > MAX_TILE_LEVEL:
            raise TilePathError(f"瓦片层级“{head[:20]}”无效:应为 0 到 {MAX_TILE_LEVEL} 的十进制整数,不带前导零")
        level = int(head)
    width = TILE_WIDTH
    last = rest[-1]
    if last.endswith(".p") or (len(rest) >= 2 and rest[-2].endswith(".p")):
        # ".p/<W>": the element before the width carries the suffix.
        if len(rest) < 2 or not rest[-2].endswith(".p"):
            raise TilePathError("部分瓦片应写作 <N>.p/<W>")
        if not _WIDTH.match(last) or int(last) >= TILE_WIDTH:
            raise TilePathError(f"部分瓦片宽度“{last[:20]}”无效:应为 1 到 {TILE_WIDTH - 1} 的十进制整数,不带前导零")
        width = int(last)
        rest = [*rest[:-2], rest[-2][: -len(".p")]]
    if len(rest) > MAX_INDEX_ELEMENTS:
        raise TilePathError("瓦片序号过大")
    if not _LAST_ELEMENT.match(rest[-1]) or not all(_INNER_ELEMENT.match(element) for element in rest[:-1]):
        raise TilePathError("瓦片序号编码无效:应为三位数字分段,除最后一段外均以 x 开头(如 x001/x234/067)")
    index = 0
    for element in rest:
        index = index * 1000 + int(element.lstrip("x"))
    if len(rest) > 1 and rest[0] == "x000":
        raise TilePathError("瓦片序号编码无效:不得有多余的前导 x000 分段")
    return TileRef(level=level, index=index, width=width)


def read_tile(level: int, index: int, width: int = TILE_WIDTH) -> bytes | None:
    """The ``width`` hashes of tile ``index`` at tile level ``level``, or None when the tree does not have them all.

    A hash at tree level 8·L exists once its subtree is complete, so the hashes present are exactly the ones a tree
    of the current size has: no need to read the head.
    """
    tree_level = TILE_HEIGHT * level
    first = index * TILE_WIDTH
    if tree_level > 63 or first + width > MAX_TREE_SIZE >> min(tree_level, 48):
        return None
    if tree_level == 0:
        rows = (
            LedgerEntry.objects.filter(index__gte=first, index__lt=first + width)
            .order_by("index")
            .values_list("leaf_hash", flat=True)
        )
    else:
        rows = (
            LedgerNode.objects.filter(key__gte=node_key(tree_level, first), key__lt=node_key(tree_level, first + width))
            .order_by("key")
            .values_list("hash", flat=True)
        )
    hashes = [bytes(value) for value in rows]
    if len(hashes) != width:
        return None
    return b"".join(hashes)


def read_entry_bundle(index: int, width: int = TILE_WIDTH) -> bytes | None:
    """Entries ``index``·256 … +``width``-1, each as big-endian uint16 length + bytes; None when not all exist."""
    first = index * TILE_WIDTH
    if first + width > MAX_TREE_SIZE:
        return None
    rows = (
        LedgerEntry.objects.filter(index__gte=first, index__lt=first + width)
        .order_by("index")
        .values_list("entry", flat=True)
    )
    entries = [bytes(value) for value in rows]
    if len(entries) != width:
        return None
    return b"".join(len(entry).to_bytes(2, "big") + entry for entry in entries)


def read(ref: TileRef) -> bytes | None:
    if ref.level is None:
        return read_entry_bundle(ref.index, ref.width)
    return read_tile(ref.level, ref.index, ref.width)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    """The entries of a bundle (for clients and tests); ValueError when it is truncated."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 2 > len(data):
            raise ValueError("truncated entry bundle: length prefix cut off")
        length = int.from_bytes(data[offset : offset + 2], "big")
        offset += 2
        if offset + length > len(data):
            raise ValueError("truncated entry bundle: entry cut off")
        entries.append(data[offset : offset + length])
        offset += length
    return entries


__all__ = [
    "HASH_SIZE",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "TilePathError",
    "TileRef",
    "encode_index",
    "parse_entry_bundle",
    "parse_tile_path",
    "read",
    "read_entry_bundle",
    "read_tile",
]
