"""C2SP tlog-tiles paths: the canonical encoding only, both ways (pure)."""

from __future__ import annotations

import pytest

from quancheng.ledger import tiles
from quancheng.ledger.tiles import TileRef


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (5, "005"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_index_encoding(index: int, encoded: str) -> None:
    assert tiles.encode_index(index) == encoded


@pytest.mark.parametrize(
    ("path", "ref"),
    [
        ("0/000", TileRef(level=0, index=0)),
        ("0/x001/x234/067", TileRef(level=0, index=1234067)),
        ("3/x001/x234/067.p/8", TileRef(level=3, index=1234067, width=8)),
        ("1/000.p/1", TileRef(level=1, index=0, width=1)),
        ("0/000.p/255", TileRef(level=0, index=0, width=255)),
        ("63/000", TileRef(level=63, index=0)),
        ("entries/000", TileRef(level=None, index=0)),
        ("entries/x001/x234/067.p/8", TileRef(level=None, index=1234067, width=8)),
    ],
)
def test_canonical_paths_parse_and_round_trip(path: str, ref: TileRef) -> None:
    assert tiles.parse_tile_path(path) == ref
    assert ref.path() == "tile/" + path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "0",
        "0/",
        "0/0",  # index elements are 3 digits
        "0/0000",
        "0/x000",  # the last element has no x
        "0/001/002",  # inner elements need an x
        "0/x000/001",  # non-canonical leading zero element
        "00/000",  # leading zero in the level
        "64/000",  # level beyond 63
        "-1/000",
        "a/000",
        "0/000.p/0",  # width 1..255
        "0/000.p/256",
        "0/000.p/08",
        "0/000.p/",
        "0/000.p",
        "0/000/.p/8",
        "0/x001.p/234/067",
        "entries",
        "entries/",
        "entries/1",
        "entries/000.p/300",
        "data/000",
        "0/x001/x002/x003/x004/x005/x006/x007/008",  # absurdly long
        "9" * 5000 + "/000",  # longer than int() accepts
        "0/000.p/" + "9" * 5000,
        "0/" + "x999/" * 2000 + "999",
    ],
    ids=lambda path: repr(path[:40]),
)
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(tiles.TilePathError) as raised:
        tiles.parse_tile_path(path)
    assert str(raised.value)


def test_entry_bundle_parser_reads_what_bundles_write() -> None:
    # given
    entries = [b"", b"a", b"x" * 300, "中文".encode()]
    bundle = b"".join(len(e).to_bytes(2, "big") + e for e in entries)
    # then
    assert tiles.parse_entry_bundle(bundle) == entries
    with pytest.raises(ValueError):
        tiles.parse_entry_bundle(bundle[:-1])
    with pytest.raises(ValueError):
        tiles.parse_entry_bundle(b"\x00")
