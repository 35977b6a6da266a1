"""GET /log/tile/... (C2SP tlog-tiles): hash tiles are public and hold the stored node hashes; a client that
knows only a tree size recomputes the root from them; entry bundles need a signed-in user unless configured public;
every bad request is a 4xx JSON refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from quancheng.accounts.models import User
from quancheng.ledger import merkle, tiles, tree
from quancheng.ledger.models import LedgerEntry, LedgerNode

from .conftest import AppendLog

SIZE = 600  # two full level-0 tiles, a partial one of 88, and a partial level-1 tile of 2


@pytest.fixture
def log(append_log: AppendLog, zhangsan: User) -> list[bytes]:
    """Exactly SIZE entries: the persona's own (it is created first), topped up with synthetic ones."""
    append_log(SIZE - LedgerEntry.objects.count(), batch=200)
    return [bytes(h) for h in LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)]


def split(data: bytes) -> list[bytes]:
    assert len(data) % tiles.HASH_SIZE == 0
    return [data[i : i + tiles.HASH_SIZE] for i in range(0, len(data), tiles.HASH_SIZE)]


def test_full_level0_tile_is_256_leaf_hashes(log: list[bytes]) -> None:
    # when
    response = Client().get("/log/tile/0/001")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert "immutable" in response["Cache-Control"]
    assert len(response.content) == 8192
    assert split(response.content) == log[256:512]


def test_partial_level0_tile_is_the_rightmost_hashes(log: list[bytes]) -> None:
    response = Client().get("/log/tile/0/002.p/88")
    assert response.status_code == 200
    assert split(response.content) == log[512:600]
    assert "immutable" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]
    # a shorter prefix (the tile of an earlier checkpoint) is served too
    assert split(Client().get("/log/tile/0/002.p/5").content) == log[512:517]


def test_level1_tile_holds_the_hashes_of_full_level0_tiles(log: list[bytes]) -> None:
    # when
    response = Client().get("/log/tile/1/000.p/2")
    # then: MTH of 256 leaves each, i.e. the stored nodes at tree level 8
    assert response.status_code == 200
    expected = [merkle.root_from_leaf_hashes(log[0:256]), merkle.root_from_leaf_hashes(log[256:512])]
    assert split(response.content) == expected
    assert split(response.content) == [tree.subtree_hash(8, 0), tree.subtree_hash(8, 1)]
    assert split(response.content) == [bytes(LedgerNode.objects.get(level=8, index=i).hash) for i in (0, 1)]


@pytest.mark.parametrize(
    "path",
    [
        "0/002",  # the full tile does not exist yet
        "0/002.p/89",  # wider than the tree
        "0/003.p/1",
        "1/000",
        "1/000.p/3",
        "2/000.p/1",  # needs 65,536 entries
        "7/000.p/1",
        "63/x999/999",
        "0/x999/x999/x999/x999/x999/x999/999",
        "entries/002",
    ],
)
def test_tiles_beyond_the_tree_are_404_json(zhangsan: User, log: list[bytes], path: str) -> None:
    client = Client()
    client.force_login(zhangsan)
    response = client.get(f"/log/tile/{path}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["message"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    ["tile", "tile/", "tile/0", "tile/0/1", "tile/00/000", "tile/0/000.p/0", "tile/0/000.p/256", "tile/x/000"],
)
def test_malformed_tile_paths_are_400_json(db, path: str) -> None:
    response = Client().get(f"/log/{path}")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["message"]


def test_only_get_and_head(log: list[bytes]) -> None:
    head = Client().head("/log/tile/0/000")
    assert head.status_code == 200
    response = Client().post("/log/tile/0/000")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def client_root(client: Client, size: int) -> bytes:
    """What an outside client does with nothing but the size of a checkpoint: fetch the tiles tlog-tiles says
    exist for that size, and fold the perfect subtrees of [0, size) computed from them."""
    fetched: dict[tuple[int, int], list[bytes]] = {}

    def tile(level: int, index: int) -> list[bytes]:
        if (level, index) not in fetched:
            available = size >> (tiles.TILE_HEIGHT * level)  # hashes at tree level 8L in a tree of `size`
            full = (index + 1) * tiles.TILE_WIDTH <= available
            width = tiles.TILE_WIDTH if full else available % tiles.TILE_WIDTH
            response = client.get("/log/" + tiles.TileRef(level=level, index=index, width=width).path())
            assert response.status_code == 200, response.content
            fetched[(level, index)] = split(response.content)
        return fetched[(level, index)]

    pieces = []
    for level, index in merkle.perfect_subtrees(0, size):
        tile_level, below = divmod(level, tiles.TILE_HEIGHT)
        first = index << below  # position of the subtree's first hash at tree level 8 * tile_level
        hashes = tile(tile_level, first // tiles.TILE_WIDTH)
        offset = first % tiles.TILE_WIDTH
        pieces.append(merkle.root_from_leaf_hashes(hashes[offset : offset + (1 << below)]))
    return merkle.fold_subtrees(pieces)


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 300, 511, 512, 513, 599, 600])
def test_a_client_recomputes_the_root_from_tiles(log: list[bytes], size: int) -> None:
    assert client_root(Client(), size) == tree.root_at(size) == merkle.root_from_leaf_hashes(log[:size])


def test_entry_bundles_need_a_signed_in_user(log: list[bytes]) -> None:
    response = Client().get("/log/tile/entries/000")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_entry_bundle_entries_hash_to_the_level0_tile(
    log: list[bytes], zhangsan: User, api_client: Callable[[User], Client]
) -> None:
    # given: a bearer token, as a program would use
    client = api_client(zhangsan)
    # when
    full = client.get("/log/tile/entries/001")
    partial = client.get("/log/tile/entries/002.p/88")
    # then
    assert full.status_code == partial.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert "immutable" in full["Cache-Control"]
    entries = tiles.parse_entry_bundle(full.content)
    assert [merkle.leaf_hash(e) for e in entries] == split(Client().get("/log/tile/0/001").content)
    assert entries[0] == bytes(LedgerEntry.objects.get(index=256).entry)
    assert [merkle.leaf_hash(e) for e in tiles.parse_entry_bundle(partial.content)] == log[512:600]


def test_entry_bundle_with_a_session(log: list[bytes], zhangsan: User) -> None:
    client = Client()
    client.force_login(zhangsan)
    response = client.get("/log/tile/entries/000.p/3")
    assert response.status_code == 200
    assert [merkle.leaf_hash(e) for e in tiles.parse_entry_bundle(response.content)] == log[:3]


def test_entry_bundle_refuses_an_inactive_user(log: list[bytes], zhangsan: User) -> None:
    # given
    client = Client()
    client.force_login(zhangsan)
    User.objects.filter(pk=zhangsan.pk).update(is_active=False)
    # then
    assert client.get("/log/tile/entries/000").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer qc_not-a-token").get("/log/tile/entries/000").status_code == 401


def test_entry_bundles_can_be_made_public(log: list[bytes], settings) -> None:
    settings.QUANCHENG_LOG_ENTRIES_PUBLIC = True
    response = Client().get("/log/tile/entries/000")
    assert response.status_code == 200
    assert len(tiles.parse_entry_bundle(response.content)) == 256


def test_empty_log_serves_no_tile(db) -> None:
    assert Client().get("/log/tile/0/000.p/1").status_code == 404


def test_entry_bundles_are_compressed_for_clients_that_accept_gzip(log: list[bytes], settings) -> None:
    """tlog-tiles: entry bundles SHOULD be compressed on the wire; the bytes inside are unchanged."""
    import gzip

    settings.QUANCHENG_LOG_ENTRIES_PUBLIC = True
    plain = Client().get("/log/tile/entries/000")
    packed = Client().get("/log/tile/entries/000", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content)
    assert gzip.decompress(packed.content) == plain.content
    assert "immutable" in packed["Cache-Control"]
