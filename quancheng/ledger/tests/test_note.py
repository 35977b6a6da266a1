"""C2SP signed-note and tlog-checkpoint, table by table.

The vectors marked "Go" are the reference test vectors of golang.org/x/mod/sumdb/note (note_test.go): keys,
a note signed by PeterNeumann and EnochRoot, and the manglings it must refuse. Ed25519 signing is deterministic,
so signing the same text with the same key must give Go's bytes exactly. The "C2SP" vectors are the examples
printed in the specifications themselves.
"""

from __future__ import annotations

import base64
import hashlib

import pytest

from quancheng.ledger import merkle
from quancheng.ledger.note import (
    MAX_SIGNATURES,
    CheckpointBody,
    NoteError,
    NoteErrorKind,
    format_checkpoint,
    format_verifier_key,
    generate_signer,
    is_valid_key_name,
    key_id,
    open_note,
    parse_checkpoint,
    parse_signer_key,
    parse_verifier_key,
    sign_checkpoint,
    sign_note,
    signer_from_seed,
    split_note,
    verify_checkpoint,
)

# --- Go sumdb/note vectors --------------------------------------------------------------------------------------
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

# --- C2SP examples ------------------------------------------------------------------------------------------------
SIGNED_NOTE_EXAMPLE = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
    "— quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)
CHECKPOINT_EXAMPLE_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

ORIGIN = "zf.example.gov.cn/quancheng"
ROOT = hashlib.sha256(b"some root").digest()


def _kind(exc: pytest.ExceptionInfo[NoteError]) -> NoteErrorKind:
    return exc.value.kind


# --- keys -------------------------------------------------------------------------------------------------------


def test_go_verifier_key_parses_with_its_key_id() -> None:
    # when
    verifier = parse_verifier_key(PETER_VKEY)
    # then: key ID = SHA-256(name || 0x0A || 0x01 || public key)[:4]
    assert verifier.name == "PeterNeumann"
    assert verifier.key_id.hex() == "c74f20a3"
    assert key_id("PeterNeumann", verifier.public_key).hex() == "c74f20a3"
    digest = hashlib.sha256(b"PeterNeumann\n\x01" + verifier.public_key).digest()
    assert verifier.key_id == digest[:4]
    assert verifier.verifier_key() == PETER_VKEY
    assert format_verifier_key("PeterNeumann", verifier.public_key) == PETER_VKEY


def test_go_signer_key_derives_the_matching_verifier_key() -> None:
    # when
    signer = parse_signer_key(PETER_SKEY)
    # then
    assert signer.verifier().verifier_key() == PETER_VKEY
    assert signer.signer_key() == PETER_SKEY
    assert "AYEKFALV" not in repr(signer)  # the seed never shows in a repr (logs, tracebacks)


def _manglings(key: str) -> list[str]:
    """Go's TestNewVerifier/TestNewSigner: every proper substring, and every one-byte increment."""
    raw = key.encode()
    out = {raw[i:j].decode("utf-8", "replace") for i in range(len(raw) + 1) for j in range(i + 1, len(raw) + 1)}
    out.discard(key)
    for i in range(len(raw)):
        changed = bytearray(raw)
        changed[i] = (changed[i] + 1) % 256
        out.add(bytes(changed).decode("utf-8", "replace"))
    return sorted(out)


def test_every_mangled_go_verifier_key_is_refused() -> None:
    bad = [
        *_manglings(PETER_VKEY),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",  # Go: wrong length key
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # Go: unknown algorithm
    ]
    accepted = []
    for vkey in bad:
        try:
            parse_verifier_key(vkey)
        except NoteError as exc:
            assert exc.kind == NoteErrorKind.MALFORMED_KEY
        else:
            accepted.append(vkey)
    assert accepted == []


def test_every_mangled_go_signer_key_is_refused() -> None:
    accepted = []
    for skey in _manglings(PETER_SKEY):
        try:
            parse_signer_key(skey)
        except NoteError as exc:
            assert exc.kind == NoteErrorKind.MALFORMED_KEY
            assert "AYEKFALV" not in str(exc)  # never echo the secret
        else:
            accepted.append(skey)
    assert accepted == []


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("zf.example.gov.cn/quancheng", True),
        ("PeterNeumann", True),
        ("全程/账本", True),
        ("", False),
        ("a+b", False),
        ("a b", False),
        ("a\tb", False),
        ("a\u3000b", False),  # ideographic space is a Unicode space
        ("a\u00a0b", False),
        ("a\nb", False),
        ("a\x01b", False),
        ("a\ud800b", False),  # lone surrogate: not UTF-8
    ],
)
def test_key_name_rules(name: str, valid: bool) -> None:
    assert is_valid_key_name(name) is valid


def test_generated_keys_round_trip_and_differ() -> None:
    # when
    first, second = generate_signer(ORIGIN), generate_signer(ORIGIN)
    # then
    assert parse_signer_key(first.signer_key()) == first
    assert parse_verifier_key(first.verifier().verifier_key()) == first.verifier()
    assert first.public_key != second.public_key
    assert first.verifier().verifier_key().startswith(ORIGIN + "+" + first.key_id.hex() + "+")


def test_signer_refuses_bad_name_and_bad_seed() -> None:
    with pytest.raises(NoteError) as bad_name:
        signer_from_seed("bad name", bytes(32))
    with pytest.raises(NoteError) as bad_seed:
        signer_from_seed(ORIGIN, bytes(31))
    assert _kind(bad_name) == _kind(bad_seed) == NoteErrorKind.MALFORMED_KEY


# --- notes ------------------------------------------------------------------------------------------------------


def test_signing_reproduces_the_go_note_byte_for_byte() -> None:
    # when
    note = sign_note(TEXT, parse_signer_key(PETER_SKEY))
    # then
    assert note == TEXT + "\n" + PETER_SIG
    assert note.encode("utf-8")[len(TEXT) + 1 : len(TEXT) + 5] == b"\xe2\x80\x94 "  # U+2014 em dash, space


def test_open_verifies_the_go_note_and_ignores_other_keys() -> None:
    # given: signed by Peter and by Enoch
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    # then: either key alone opens it; the other signature is ignored
    assert open_note(note, parse_verifier_key(PETER_VKEY)) == TEXT
    assert open_note(note, parse_verifier_key(ENOCH_VKEY)) == TEXT
    assert open_note(note.encode("utf-8"), parse_verifier_key(PETER_VKEY)) == TEXT


def test_the_c2sp_example_note_splits_at_its_last_blank_line() -> None:
    # when
    text, signatures = split_note(SIGNED_NOTE_EXAMPLE)
    # then: the text keeps its own blank line and its final newline
    assert text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    assert [signature.name for signature in signatures] == ["quasimodo.example/salvatore"]
    assert len(signatures[0].signature) == 64


@pytest.mark.parametrize(
    "note",
    [
        # Go's badMsgs
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")[:-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        # and more
        TEXT + "\n" + PETER_SIG.replace("—", "-"),  # a hyphen, not the em dash
        TEXT + "\n" + PETER_SIG.replace("— ", "—"),  # no space after the dash
        TEXT + "\n" + "— PeterNeumann\n",  # no signature
        TEXT + "\n" + "— PeterNeumann AAAA\n",  # a key ID and no signature
        TEXT + "\n" + "— PeterNeumann not*base64\n",
        TEXT + "\n" + PETER_SIG.replace("\n", "\r\n"),
        TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1),  # Go: too many signatures
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(NoteError) as exc:
        open_note(note, parse_verifier_key(PETER_VKEY))
    assert _kind(exc) == NoteErrorKind.MALFORMED_NOTE


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(NoteError) as exc:
        open_note(b"\xff" + (TEXT + "\n" + PETER_SIG).encode(), parse_verifier_key(PETER_VKEY))
    assert _kind(exc) == NoteErrorKind.MALFORMED_NOTE


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        # Go: a signature altered inside
        (TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], NoteErrorKind.BAD_SIGNATURE),
        # the text altered under a valid signature
        (TEXT.replace("answer", "Answer") + "\n" + PETER_SIG, NoteErrorKind.BAD_SIGNATURE),
        # one good and one bad signature by the same key: every one must verify
        (TEXT + "\n" + PETER_SIG + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], NoteErrorKind.BAD_SIGNATURE),
        # signed by another key only
        (TEXT + "\n" + ENOCH_SIG, NoteErrorKind.NOT_SIGNED),
        # Go: the right key ID under the wrong name, and the right name with the wrong key ID
        (TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "CarmenSandiego"), NoteErrorKind.NOT_SIGNED),
        (TEXT + "\n" + PETER_SIG.replace("x08g", "xxxx"), NoteErrorKind.NOT_SIGNED),
    ],
)
def test_notes_that_do_not_verify_are_refused(note: str, kind: NoteErrorKind) -> None:
    with pytest.raises(NoteError) as exc:
        open_note(note, parse_verifier_key(PETER_VKEY))
    assert _kind(exc) == kind
    assert "PeterNeumann+c74f20a3" in exc.value.message_en
    assert "PeterNeumann+c74f20a3" in exc.value.message_zh


def test_error_messages_are_in_chinese_and_english() -> None:
    with pytest.raises(NoteError) as exc:
        open_note(TEXT + "\n" + ENOCH_SIG, parse_verifier_key(PETER_VKEY))
    assert "没有密钥" in str(exc.value)
    assert "no signature by key PeterNeumann+c74f20a3 (signed by: EnochRoot+af0cfe78)" in str(exc.value)


@pytest.mark.parametrize("text", ["no final newline", "control \x07 character\n", ""])
def test_sign_refuses_text_that_cannot_be_a_note(text: str) -> None:
    with pytest.raises(NoteError) as exc:
        sign_note(text, parse_signer_key(PETER_SKEY))
    assert _kind(exc) == NoteErrorKind.MALFORMED_NOTE


# --- checkpoints ------------------------------------------------------------------------------------------------


def test_the_c2sp_example_checkpoint_body_parses() -> None:
    # when
    body = parse_checkpoint(CHECKPOINT_EXAMPLE_BODY)
    # then
    assert body.origin == "example.com/behind-the-sofa"
    assert body.size == 20852163
    assert body.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert body.extensions == ()
    assert body.text() == CHECKPOINT_EXAMPLE_BODY


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions", "expected"),
    [
        (ORIGIN, 0, merkle.EMPTY_ROOT, (), f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"),
        (ORIGIN, 12, ROOT, (), f"{ORIGIN}\n12\n{base64.b64encode(ROOT).decode()}\n"),
        (ORIGIN, 2**63 - 1, ROOT, ("ext one",), f"{ORIGIN}\n{2**63 - 1}\n{base64.b64encode(ROOT).decode()}\next one\n"),
    ],
)
def test_checkpoint_body_format(origin: str, size: int, root: bytes, extensions: tuple, expected: str) -> None:
    # when
    text = format_checkpoint(origin, size, root, extensions)
    # then
    assert text == expected
    assert parse_checkpoint(text) == CheckpointBody(origin, size, root, extensions)


_ROOT64 = base64.b64encode(ROOT).decode()
_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# 32 bytes leave two unused bits in the last base64 digit; setting one decodes to the same bytes.
_NON_CANONICAL_ROOT64 = _ROOT64[:-2] + _B64_ALPHABET[_B64_ALPHABET.index(_ROOT64[-2]) ^ 1] + "="


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n5\n{_ROOT64}",  # no final newline
        f"{ORIGIN}\n5\n",  # two lines
        f"\n5\n{_ROOT64}\n",  # empty origin
        f"{ORIGIN}\n05\n{_ROOT64}\n",  # leading zero
        f"{ORIGIN}\n-1\n{_ROOT64}\n",
        f"{ORIGIN}\n+5\n{_ROOT64}\n",
        f"{ORIGIN}\n 5\n{_ROOT64}\n",
        f"{ORIGIN}\n5.0\n{_ROOT64}\n",
        f"{ORIGIN}\n５\n{_ROOT64}\n",  # a full-width digit
        f"{ORIGIN}\n{2**63}\n{_ROOT64}\n",  # beyond int64
        f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n",  # 31-byte root
        f"{ORIGIN}\n5\n{ROOT.hex()}\n",  # hex, not base64
        f"{ORIGIN}\n5\n{_NON_CANONICAL_ROOT64}\n",  # the same bytes, but non-zero trailing bits
        f"{ORIGIN}\n5\n{_ROOT64}\n\nextension\n",  # an empty line
    ],
)
def test_malformed_checkpoint_bodies_are_refused(text: str) -> None:
    with pytest.raises(NoteError) as exc:
        parse_checkpoint(text)
    assert _kind(exc) == NoteErrorKind.MALFORMED_CHECKPOINT


def test_format_checkpoint_refuses_what_it_could_not_parse_back() -> None:
    for args in [("", 1, ROOT), ("a\nb", 1, ROOT), (ORIGIN, -1, ROOT), (ORIGIN, True, ROOT), (ORIGIN, 1, ROOT[:31])]:
        with pytest.raises(NoteError):
            format_checkpoint(*args)


def test_verify_checkpoint_returns_the_signed_body() -> None:
    # given
    signer = generate_signer(ORIGIN)
    note = sign_checkpoint(CheckpointBody(ORIGIN, 7, ROOT), signer)
    # when
    body = verify_checkpoint(note, signer.verifier().verifier_key(), origin=ORIGIN)
    # then
    assert body == CheckpointBody(ORIGIN, 7, ROOT)
    assert note == f"{ORIGIN}\n7\n{_ROOT64}\n\n— {ORIGIN} " + note.split(" ")[-1]


def test_verify_checkpoint_refuses_another_key_with_the_same_name() -> None:
    # given
    note = sign_checkpoint(CheckpointBody(ORIGIN, 7, ROOT), generate_signer(ORIGIN))
    other = generate_signer(ORIGIN).verifier().verifier_key()
    # then
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(note, other)
    assert _kind(exc) == NoteErrorKind.NOT_SIGNED


def test_verify_checkpoint_refuses_an_altered_size() -> None:
    # given
    signer = generate_signer(ORIGIN)
    note = sign_checkpoint(CheckpointBody(ORIGIN, 7, ROOT), signer)
    # then
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(note.replace("\n7\n", "\n8\n", 1), signer.verifier().verifier_key())
    assert _kind(exc) == NoteErrorKind.BAD_SIGNATURE


def test_verify_checkpoint_refuses_another_origin() -> None:
    # given: a body naming another log, signed by our key
    signer = generate_signer(ORIGIN)
    note = sign_checkpoint(CheckpointBody("other.example/log", 7, ROOT), signer)
    # then
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(note, signer.verifier().verifier_key(), origin=ORIGIN)
    assert _kind(exc) == NoteErrorKind.WRONG_ORIGIN
    assert verify_checkpoint(note, signer.verifier().verifier_key()).origin == "other.example/log"


def test_verify_checkpoint_refuses_a_signed_note_that_is_not_a_checkpoint() -> None:
    signer = generate_signer(ORIGIN)
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(sign_note("hello\n", signer), signer.verifier())
    assert _kind(exc) == NoteErrorKind.MALFORMED_CHECKPOINT


def test_verify_checkpoint_refuses_a_malformed_key() -> None:
    signer = generate_signer(ORIGIN)
    note = sign_checkpoint(CheckpointBody(ORIGIN, 7, ROOT), signer)
    with pytest.raises(NoteError) as exc:
        verify_checkpoint(note, signer.verifier().verifier_key()[:-1])
    assert _kind(exc) == NoteErrorKind.MALFORMED_KEY
