"""``GET /log/checkpoint`` and ``GET /log/key``: public, unauthenticated, plain text, no personal data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from quancheng.accounts.models import User
from quancheng.ledger.checkpoints import make_checkpoint
from quancheng.ledger.models import LedgerAction, LedgerCheckpoint, LedgerNode
from quancheng.ledger.note import verify_checkpoint
from quancheng.ledger.services import ledger_append

ORIGIN = "zf.example.gov.cn/quancheng"
TEXT_PLAIN = "text/plain; charset=utf-8"


@pytest.fixture(autouse=True)
def key_path(settings: Any, tmp_path: Path) -> Path:
    settings.QUANCHENG_LEDGER_KEY_FILE = tmp_path / "ledger-signing.key"
    settings.QUANCHENG_LOG_ORIGIN = ORIGIN
    return settings.QUANCHENG_LEDGER_KEY_FILE


def test_paths() -> None:
    assert reverse("log-checkpoint") == "/log/checkpoint"
    assert reverse("log-key") == "/log/key"


def test_checkpoint_is_public_and_verifies_with_the_public_key(zhangsan: User, ledger_size: Any) -> None:
    # given: a log with people in it, and no checkpoint yet
    size = ledger_size()
    anonymous = Client()
    # when
    response = anonymous.get("/log/checkpoint")
    key = anonymous.get("/log/key")
    # then: one checkpoint made on demand, of the whole log
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == TEXT_PLAIN
    assert key.status_code == 200
    assert key["Content-Type"] == TEXT_PLAIN
    note = response.content.decode("utf-8")
    assert note == LedgerCheckpoint.objects.get().note
    body = verify_checkpoint(note, key.content.decode("ascii").rstrip("\n"), origin=ORIGIN)
    assert body.size == size
    # then: only the origin, a number and hashes; nothing about the people or the agency
    for personal in ("张三", "zhangsan", "示例市", zhangsan.full_name):
        assert personal not in note
    # then: serving it wrote nothing to the ledger
    assert ledger_size() == size


def test_checkpoint_serves_the_latest_without_making_another(db: None) -> None:
    # given
    first = make_checkpoint()
    with transaction.atomic():
        ledger_append(action=LedgerAction.DEVICE_REGISTERED, actor=None, subject="test:1", digests={})
    second = make_checkpoint()
    # when
    response = Client().get("/log/checkpoint")
    # then
    assert response.content.decode("utf-8") == second.note != first.note
    assert LedgerCheckpoint.objects.count() == 2
    assert response["Cache-Control"] == "no-cache"


def test_key_is_the_verifier_key_and_a_newline(db: None) -> None:
    # when
    response = Client().get("/log/key")
    # then
    text = response.content.decode("ascii")
    assert text.endswith("\n") and text.count("\n") == 1
    assert text.startswith(ORIGIN + "+")


@pytest.mark.parametrize("path", ["/log/checkpoint", "/log/key"])
def test_only_get_and_head(db: None, path: str) -> None:
    assert Client().post(path).status_code == 405
    assert Client().head(path).status_code == 200


@pytest.mark.parametrize("path", ["/log/checkpoint", "/log/key"])
def test_unusable_key_is_503_without_details(db: None, key_path: Path, path: str) -> None:
    # given
    Client().get("/log/key")
    os.chmod(key_path, 0o644)
    # when
    response = Client().get(path)
    # then: the operator's log says why; the public only that the key is unavailable
    assert response.status_code == 503
    assert response["Content-Type"] == TEXT_PLAIN
    assert str(key_path) not in response.content.decode("utf-8")
    assert LedgerCheckpoint.objects.count() == 0


def test_no_checkpoint_is_signed_for_a_tree_that_does_not_check_out(db: None) -> None:
    # given: no checkpoint yet, and a stored node that no longer gives the head's root
    for i in range(2):
        with transaction.atomic():
            ledger_append(action=LedgerAction.DEVICE_REGISTERED, actor=None, subject=f"test:{i}", digests={})
    LedgerNode.objects.filter(level=1, index=0).update(hash=b"\x00" * 32)
    # when
    response = Client().get("/log/checkpoint")
    # then
    assert response.status_code == 503
    assert LedgerCheckpoint.objects.count() == 0
