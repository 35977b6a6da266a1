"""GET /api/v1/ledger/proofs/inclusion and /proofs/consistency: RFC 9162 proofs with hex hashes; every request
outside the tree is a 4xx with a code, never a 500, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from quancheng.accounts.models import User
from quancheng.ledger import merkle, tree
from quancheng.ledger.models import LedgerEntry, LedgerHead

from .conftest import AppendLog


@pytest.fixture
def client(zhangsan: User, api_client: Callable[[User], Client], append_log: AppendLog) -> Client:
    made = api_client(zhangsan)
    append_log(20)
    return made


def current_size() -> int:
    return LedgerHead.objects.get(pk=1).size


def unhex(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(value) for value in values]


def test_proofs_are_public_like_the_tiles(client: Client) -> None:
    """Hashes only: anyone holding a record checks it against a newer checkpoint without an account."""
    for url in ("/api/v1/ledger/proofs/inclusion?index=0", "/api/v1/ledger/proofs/consistency?old=1"):
        response = Client().get(url)
        assert response.status_code == 200, response.content
        assert "proof" in response.json()


def test_inclusion_proof_against_an_earlier_size(client: Client) -> None:
    # given
    size = current_size() - 3
    # when
    response = client.get("/api/v1/ledger/proofs/inclusion", {"index": 4, "size": size})
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"index", "size", "leaf_hash", "root", "proof"}
    assert (body["index"], body["size"]) == (4, size)
    assert body["leaf_hash"] == bytes(LedgerEntry.objects.get(index=4).leaf_hash).hex()
    assert body["root"] == bytes(LedgerEntry.objects.get(index=size - 1).tree_root).hex()
    leaf, root = bytes.fromhex(body["leaf_hash"]), bytes.fromhex(body["root"])
    assert merkle.verify_inclusion(leaf, 4, size, unhex(body["proof"]), root)
    assert all(len(value) == 64 and value == value.lower() for value in [*body["proof"], body["root"]])


def test_inclusion_size_defaults_to_the_current_size(client: Client) -> None:
    response = client.get("/api/v1/ledger/proofs/inclusion", {"index": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["size"] == current_size()
    assert body["root"] == bytes(LedgerHead.objects.get(pk=1).root).hex()
    assert merkle.verify_inclusion(
        bytes.fromhex(body["leaf_hash"]), 0, body["size"], unhex(body["proof"]), bytes.fromhex(body["root"])
    )


def test_inclusion_of_the_only_entry_is_the_empty_proof(client: Client) -> None:
    response = client.get("/api/v1/ledger/proofs/inclusion", {"index": 0, "size": 1})
    assert response.status_code == 200
    assert response.json()["proof"] == []
    assert response.json()["root"] == response.json()["leaf_hash"]


def test_consistency_proof_between_two_sizes(client: Client) -> None:
    # given
    new = current_size()
    # when
    response = client.get("/api/v1/ledger/proofs/consistency", {"old": 7, "new": new - 1})
    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"old", "new", "old_root", "new_root", "proof"}
    assert body["old_root"] == tree.root_at(7).hex()
    assert body["new_root"] == tree.root_at(new - 1).hex()
    assert merkle.verify_consistency(
        7, new - 1, bytes.fromhex(body["old_root"]), bytes.fromhex(body["new_root"]), unhex(body["proof"])
    )


def test_consistency_new_defaults_to_the_current_size(client: Client) -> None:
    response = client.get("/api/v1/ledger/proofs/consistency", {"old": 3})
    assert response.status_code == 200
    assert response.json()["new"] == current_size()
    assert response.json()["new_root"] == bytes(LedgerHead.objects.get(pk=1).root).hex()


def test_consistency_between_equal_sizes_is_the_empty_proof(client: Client) -> None:
    response = client.get("/api/v1/ledger/proofs/consistency", {"old": 9, "new": 9})
    assert response.status_code == 200
    body = response.json()
    assert body["proof"] == []
    assert body["old_root"] == body["new_root"] == tree.root_at(9).hex()


@pytest.mark.parametrize(
    ("url", "params", "code"),
    [
        ("inclusion", {"index": 10_000}, "proof_out_of_range"),  # index beyond the tree
        ("inclusion", {"index": 5, "size": 5}, "proof_out_of_range"),  # index = size
        ("inclusion", {"index": 6, "size": 5}, "proof_out_of_range"),  # index > size
        ("inclusion", {"index": 0, "size": 0}, "proof_out_of_range"),  # size 0
        ("inclusion", {"index": 0, "size": 10_000}, "proof_out_of_range"),  # size beyond the tree
        ("inclusion", {"index": 0, "size": 2**62}, "proof_out_of_range"),
        ("inclusion", {"index": -1}, "validation_error"),
        ("inclusion", {"index": 0, "size": -1}, "validation_error"),
        ("inclusion", {}, "validation_error"),  # index is required
        ("inclusion", {"index": "abc"}, "validation_error"),
        ("inclusion", {"index": 2**63}, "validation_error"),  # beyond any integer column
        ("consistency", {"old": 0}, "proof_out_of_range"),  # RFC 9162: 0 < old
        ("consistency", {"old": 0, "new": 0}, "proof_out_of_range"),
        ("consistency", {"old": 6, "new": 5}, "proof_out_of_range"),  # old > new
        ("consistency", {"old": 1, "new": 10_000}, "proof_out_of_range"),  # new beyond the tree
        ("consistency", {"old": 10_000}, "proof_out_of_range"),  # old beyond the (default) new
        ("consistency", {"old": -1}, "validation_error"),
        ("consistency", {}, "validation_error"),
        ("consistency", {"old": "1.5"}, "validation_error"),
    ],
)
def test_requests_outside_the_tree_are_refused_with_a_code(
    client: Client, ledger_size: Callable[[], int], url: str, params: dict, code: str
) -> None:
    # given
    before = ledger_size()
    # when
    response = client.get(f"/api/v1/ledger/proofs/{url}", params)
    # then
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert ledger_size() == before


def test_proof_endpoints_are_in_the_openapi_schema(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/ledger/proofs/inclusion" in paths
    assert "/api/v1/ledger/proofs/consistency" in paths
