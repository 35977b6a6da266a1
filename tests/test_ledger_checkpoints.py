"""Signed checkpoints: the signing key file, making and keeping checkpoints, the periodic checkpointer, and the
``quancheng checkpoint`` / ``quancheng ledger key`` commands."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import transaction

from quancheng.accounts.models import User
from quancheng.ledger import checkpoints, merkle
from quancheng.ledger.checkpoints import (
    KEY_FILE_MODE,
    CheckpointError,
    SigningKeyError,
    latest_checkpoint,
    load_signer,
    make_checkpoint,
    run_checkpointer,
    signing_key,
    verifier_key,
)
from quancheng.ledger.models import LedgerAction, LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from quancheng.ledger.note import (
    NoteError,
    NoteErrorKind,
    generate_signer,
    parse_verifier_key,
    verify_checkpoint,
)
from quancheng.ledger.services import ledger_append

from .conftest import ledger_triggers_disabled, run_command

ORIGIN = "zf.example.gov.cn/quancheng"
VKEY_PATTERN = re.compile(r"zf\.example\.gov\.cn/quancheng\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}")


@pytest.fixture(autouse=True)
def key_path(settings: Any, tmp_path: Path) -> Path:
    """Each test's own (not yet existing) key file, in a directory that does not exist yet either."""
    settings.QUANCHENG_LEDGER_KEY_FILE = tmp_path / "keys" / "ledger-signing.key"
    settings.QUANCHENG_LOG_ORIGIN = ORIGIN
    return settings.QUANCHENG_LEDGER_KEY_FILE


def _append(n: int = 1) -> None:
    for i in range(n):
        with transaction.atomic():
            ledger_append(action=LedgerAction.DEVICE_REGISTERED, actor=None, subject=f"test:{i}", digests={})


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the key file -----------------------------------------------------------------------------------------------


def test_key_file_is_created_at_first_use_with_mode_0600(key_path: Path) -> None:
    # given
    assert not key_path.exists()
    # when
    vkey = verifier_key()
    # then
    assert _mode(key_path) == KEY_FILE_MODE == 0o600
    assert _mode(key_path.parent) == 0o700
    assert VKEY_PATTERN.fullmatch(vkey), vkey
    content = key_path.read_text()
    assert content.startswith(f"PRIVATE+KEY+{ORIGIN}+") and content.endswith("\n")
    assert [p.name for p in key_path.parent.iterdir()] == [key_path.name]  # no temporary file left behind


def test_key_file_is_reused_not_replaced(key_path: Path) -> None:
    # given
    first = verifier_key()
    content = key_path.read_bytes()
    checkpoints._cache.clear()  # as a new process would
    # when
    again = verifier_key()
    checkpoints._create_key_file(key_path, ORIGIN)  # a second process racing to create it loses
    # then
    assert again == first
    assert key_path.read_bytes() == content


def test_verifier_key_id_is_the_spec_hash_of_name_and_public_key() -> None:
    # when
    verifier = parse_verifier_key(verifier_key())
    # then: SHA-256(key name || 0x0A || 0x01 || public key)[:4]
    assert verifier.key_id == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + verifier.public_key).digest()[:4]
    assert signing_key().verifier() == verifier


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o602, 0o620])
def test_key_file_with_wider_permissions_is_refused(key_path: Path, mode: int) -> None:
    # given
    verifier_key()
    os.chmod(key_path, mode)
    # when
    with pytest.raises(SigningKeyError) as exc:
        signing_key()
    # then
    assert f"{mode:04o}" in str(exc.value)
    assert f"chmod 600 {key_path}" in exc.value.message_en
    assert "权限" in exc.value.message_zh


def test_key_file_readable_by_its_owner_only_is_accepted(key_path: Path) -> None:
    # given
    vkey = verifier_key()
    os.chmod(key_path, 0o400)
    # then
    assert verifier_key() == vkey


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a key\n", "does not hold a valid key"),
        (b"\xff\xfe\n", "does not hold a valid key"),
        (generate_signer("other.example/log").signer_key().encode() + b"\n", "is for log 'other.example/log'"),
    ],
)
def test_unusable_key_file_is_refused(key_path: Path, content: bytes, reason: str) -> None:
    # given
    key_path.parent.mkdir(mode=0o700)
    key_path.write_bytes(content)
    os.chmod(key_path, 0o600)
    # then
    with pytest.raises(SigningKeyError, match=re.escape(reason)):
        signing_key()


def test_key_path_that_is_not_a_file_is_refused(key_path: Path) -> None:
    # given
    key_path.mkdir(parents=True)
    # then
    with pytest.raises(SigningKeyError, match="not a regular file"):
        signing_key()


def test_origin_that_cannot_be_a_key_name_is_refused(settings: Any, key_path: Path) -> None:
    # given
    settings.QUANCHENG_LOG_ORIGIN = "zf.example.gov.cn/全程 账本"
    # then
    with pytest.raises(SigningKeyError, match="QUANCHENG_LOG_ORIGIN"):
        signing_key()
    assert not key_path.exists()


def test_load_signer_without_create_does_not_create(key_path: Path) -> None:
    assert load_signer(create=False) is None
    assert not key_path.exists()


# --- making checkpoints -------------------------------------------------------------------------------------------


def test_checkpoint_text_is_byte_exact_and_verifies_with_the_published_key(db: None) -> None:
    # given
    _append(3)
    head = LedgerHead.objects.get(pk=1)
    # when
    checkpoint = make_checkpoint()
    # then: origin, decimal size, base64 root, blank line, one em-dash signature line
    signer = signing_key()
    root64 = base64.b64encode(bytes(head.root)).decode()
    body = f"{ORIGIN}\n3\n{root64}\n"
    match = re.fullmatch(
        re.escape(body) + "\n\u2014 " + re.escape(ORIGIN) + r" ([A-Za-z0-9+/]{91}=)\n", checkpoint.note
    )
    assert match, checkpoint.note
    raw = base64.b64decode(match.group(1))
    assert raw[:4] == signer.key_id
    Ed25519PublicKey.from_public_bytes(signer.public_key).verify(raw[4:], body.encode())
    assert (checkpoint.size, bytes(checkpoint.root), checkpoint.key_id) == (3, bytes(head.root), signer.key_id.hex())
    assert verify_checkpoint(checkpoint.note, verifier_key(), origin=ORIGIN).root == bytes(head.root)


def test_checkpoint_fails_with_another_key(db: None) -> None:
    # given
    _append()
    checkpoint = make_checkpoint()
    other = generate_signer(ORIGIN).verifier().verifier_key()
    # then
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(checkpoint.note, other)
    assert exc.value.kind == NoteErrorKind.NOT_SIGNED


def test_first_checkpoint_of_an_empty_log(db: None) -> None:
    # when
    checkpoint = make_checkpoint()
    # then
    assert checkpoint.size == 0
    assert bytes(checkpoint.root) == merkle.EMPTY_ROOT
    assert checkpoint.note.startswith(f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— {ORIGIN} ")


def test_checkpoint_is_made_only_when_the_log_grew(db: None, ledger_size: Any) -> None:
    # given
    _append(2)
    first = make_checkpoint()
    size = ledger_size()
    # when / then: not grown
    assert make_checkpoint() is None
    assert LedgerCheckpoint.objects.count() == 1
    # when / then: grown
    _append()
    second = make_checkpoint()
    assert second is not None and second.size == first.size + 1
    assert latest_checkpoint() == second
    # when / then: forced at the same size
    forced = make_checkpoint(force=True)
    assert forced is not None and forced.size == second.size
    assert LedgerCheckpoint.objects.count() == 3
    # then: signing never writes to the ledger (a checkpoint is not a domain event)
    assert ledger_size() == size + 1


def test_checkpoint_refused_when_the_tree_below_the_latest_was_rewritten(db: None) -> None:
    # given: a checkpoint at size 2, one more entry, then the stored node over entries 0..1 changed
    _append(2)
    make_checkpoint()
    _append()
    LedgerNode.objects.filter(level=1, index=0).update(hash=b"\x00" * 32)
    # then: the consistency proof from size 2 does not start from the signed root
    with pytest.raises(CheckpointError, match="root at size 2 differs from signed checkpoint"):
        make_checkpoint()
    assert LedgerCheckpoint.objects.count() == 1


def test_checkpoint_refused_when_the_head_disagrees_with_the_stored_tree(db: None) -> None:
    # given: no checkpoint yet, and a head root that the stored nodes do not give
    _append(3)
    with ledger_triggers_disabled():
        LedgerHead.objects.filter(pk=1).update(root=b"\x01" * 32)
    # then
    with pytest.raises(CheckpointError, match="the head's root differs from the stored Merkle tree nodes at size 3"):
        make_checkpoint()
    assert LedgerCheckpoint.objects.count() == 0


def test_checkpoint_refused_when_stored_nodes_are_missing(db: None) -> None:
    # given
    _append(2)
    make_checkpoint()
    _append(2)
    LedgerNode.objects.filter(level=2).delete()
    # then
    with pytest.raises(CheckpointError, match="stored Merkle tree nodes cannot give the root"):
        make_checkpoint()


def test_checkpoint_refused_when_the_log_is_shorter_than_the_latest(db: None) -> None:
    # given: a checkpoint claiming more entries than the log has
    _append(2)
    checkpoint = make_checkpoint()
    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(size=5)
    # then
    with pytest.raises(CheckpointError, match="fewer than the 5"):
        make_checkpoint(force=True)


# --- the periodic loop ----------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_checkpointer_signs_each_round_the_log_grew_and_survives_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: rounds that append, fail once, and do nothing; the loop stops after the fourth
    stop = threading.Event()
    real = checkpoints.make_checkpoint
    rounds: list[object] = []

    def round_(*, force: bool = False) -> LedgerCheckpoint | None:
        number = len(rounds)
        if number in (0, 2):
            _append()
        if number == 1:
            rounds.append("failed")
            raise RuntimeError("database went away")
        result = real(force=force)
        rounds.append(result)
        if len(rounds) == 4:
            stop.set()
        return result

    monkeypatch.setattr(checkpoints, "make_checkpoint", round_)
    # when
    run_checkpointer(0.01, stop)
    # then
    assert [r if isinstance(r, str) else (r and r.size) for r in rounds] == [1, "failed", 2, None]
    assert list(LedgerCheckpoint.objects.values_list("size", flat=True)) == [1, 2]


def test_checkpointer_stops_at_once_on_a_bad_key_file(key_path: Path) -> None:
    # given
    verifier_key()
    os.chmod(key_path, 0o644)
    # then
    with pytest.raises(SigningKeyError):
        run_checkpointer(60, threading.Event())


# --- commands -------------------------------------------------------------------------------------------------------


def test_command_ledger_key_prints_the_verifier_key(db: None) -> None:
    # when
    status, output = run_command("ledger", "key")
    # then
    assert status == 0
    assert output == verifier_key() + "\n"


def test_command_ledger_key_refuses_a_bad_key_file(db: None, key_path: Path) -> None:
    # given
    verifier_key()
    os.chmod(key_path, 0o666)
    # when
    status, output = run_command("ledger", "key")
    # then
    assert status == 2
    assert output == ""


def test_command_checkpoint_signs_once_then_reports_no_growth(db: None, zhangsan: User) -> None:
    # when
    status, output = run_command("checkpoint")
    again_status, again = run_command("checkpoint")
    forced_status, forced = run_command("checkpoint", "--force")
    # then
    size = LedgerEntry.objects.count()
    assert (status, again_status, forced_status) == (0, 0, 0)
    assert output == LedgerCheckpoint.objects.order_by("pk").first().note
    assert output.startswith(f"{ORIGIN}\n{size}\n")
    assert f"has not grown since the latest checkpoint (size {size})" in again
    assert forced.startswith(f"{ORIGIN}\n{size}\n")
    assert LedgerCheckpoint.objects.count() == 2


def test_command_checkpoint_refuses_an_inconsistent_tree(db: None) -> None:
    # given
    _append(2)
    checkpoint = make_checkpoint()
    LedgerCheckpoint.objects.filter(pk=checkpoint.pk).update(size=5)
    # when
    status, _output = run_command("checkpoint")
    # then
    assert status == 1
