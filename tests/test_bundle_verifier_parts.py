"""The standalone bundle verifier re-implements the few pieces it needs (note and key parsing, checkpoint bodies,
RFC 9162 inclusion proofs, BagIt path encoding) so that it runs with Python and ``cryptography`` alone. These tests
hold each piece to the project's own implementation (``ledger.note``, ``ledger.merkle``) and to public vectors,
and check that the file imports nothing but the standard library and ``cryptography``."""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import sys
from pathlib import Path

import pytest

from quancheng.ledger import bundle_verifier as bv
from quancheng.ledger import merkle, note

VECTORS = Path(__file__).parent / "vectors"

# golang.org/x/mod/sumdb/note (note_test.go): public test vectors.
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
# c2sp.org/tlog-checkpoint: the example body.
CHECKPOINT_EXAMPLE = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def _outcome(call) -> object:
    """The value, or "error" — to compare two implementations that signal refusal differently."""
    try:
        return call()
    except (bv.NoteError, note.NoteError):
        return "error"


# --- the file stands alone -----------------------------------------------------------------------------------


def test_verifier_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(Path(bv.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


# --- keys and notes against ledger.note ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "vkey",
    [
        PETER_VKEY,
        ENOCH_VKEY,
        note.generate_signer("zf.example.gov.cn/quancheng").verifier().verifier_key(),
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),  # key id does not match
        PETER_VKEY.replace("+ARpc", "+AhJpc"),  # not Ed25519 / not canonical
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "",
    ],
)
def test_verifier_key_parsing_agrees(vkey: str) -> None:
    ours = _outcome(lambda: bv.parse_verifier_key(vkey))
    theirs = _outcome(lambda: note.parse_verifier_key(vkey))
    if theirs == "error":
        assert ours == "error"
    else:
        assert (ours.name, ours.key_id, ours.public_key) == (theirs.name, theirs.key_id, theirs.public_key)


NOTES = {
    "peter": TEXT + "\n" + PETER_SIG,
    "both": TEXT + "\n" + PETER_SIG + ENOCH_SIG,
    "enoch first": TEXT + "\n" + ENOCH_SIG + PETER_SIG,
    "enoch only": TEXT + "\n" + ENOCH_SIG,
    "text changed": TEXT.replace("answer", "Answer") + "\n" + PETER_SIG,
    "no blank line": TEXT + PETER_SIG,
    "no final newline": TEXT + "\n" + PETER_SIG[:-1],
    "hyphen not em dash": TEXT + "\n" + PETER_SIG.replace("—", "-"),
    "signature truncated": TEXT + "\n" + PETER_SIG.replace("AM=\n", "\n"),
    "control character": TEXT.replace("then", "\tthen") + "\n" + PETER_SIG,
    "bad base64": TEXT + "\n" + PETER_SIG.replace("x08go", "x08g!"),
}


@pytest.mark.parametrize("name", sorted(NOTES))
@pytest.mark.parametrize("vkey", [PETER_VKEY, ENOCH_VKEY])
def test_opening_a_note_agrees(name: str, vkey: str) -> None:
    text = NOTES[name]
    ours = _outcome(lambda: bv.open_signed_note(text.encode("utf-8"), bv.parse_verifier_key(vkey)))
    theirs = _outcome(lambda: note.open_note(text, note.parse_verifier_key(vkey)))
    assert ours == theirs
    if name == "peter" and vkey == PETER_VKEY:
        assert ours == TEXT  # Go's vector verifies


def test_our_own_checkpoints_open_the_same_way() -> None:
    signer = note.generate_signer("zf.example.gov.cn/quancheng")
    other = note.generate_signer("zf.example.gov.cn/quancheng")
    body = note.format_checkpoint("zf.example.gov.cn/quancheng", 42, hashlib.sha256(b"root").digest())
    signed = note.sign_note(body, signer)
    for key in (signer, other):
        vkey = key.verifier().verifier_key()
        ours = _outcome(
            lambda vkey=vkey: bv.parse_checkpoint(bv.open_signed_note(signed.encode(), bv.parse_verifier_key(vkey)))
        )
        theirs = _outcome(lambda vkey=vkey: note.verify_checkpoint(signed, vkey))
        if theirs == "error":
            assert ours == "error"
        else:
            assert (ours.origin, ours.size, ours.root) == (theirs.origin, theirs.size, theirs.root)


@pytest.mark.parametrize("witnesses", [15, bv.MAX_SIGNATURES - 1, bv.MAX_SIGNATURES])
def test_signature_count_is_capped_like_the_project_note(witnesses: int) -> None:
    """signed-note: a verifier caps the signatures it reads (accepting at least 16); both sides agree on where."""
    signer = note.generate_signer("zf.example.gov.cn/quancheng")
    body = note.format_checkpoint("zf.example.gov.cn/quancheng", 7, hashlib.sha256(b"root").digest())
    signed = note.sign_note(body, signer)
    cosigned = signed + "".join(
        note.sign_note(body, note.generate_signer(f"witness{i}.example")).split("\n\n", 1)[1] for i in range(witnesses)
    )
    vkey = signer.verifier().verifier_key()
    ours = _outcome(lambda: bv.open_signed_note(cosigned.encode(), bv.parse_verifier_key(vkey)))
    theirs = _outcome(lambda: note.verify_checkpoint(cosigned, vkey))
    assert (ours == "error") == (theirs == "error") == (witnesses + 1 > bv.MAX_SIGNATURES)


@pytest.mark.parametrize(
    "body",
    [
        CHECKPOINT_EXAMPLE,
        CHECKPOINT_EXAMPLE + "extension line\n",
        CHECKPOINT_EXAMPLE[:-1],
        CHECKPOINT_EXAMPLE.replace("20852163", "020852163"),
        CHECKPOINT_EXAMPLE.replace("20852163", "-1"),
        CHECKPOINT_EXAMPLE.replace("20852163", "２０"),  # full-width digits
        CHECKPOINT_EXAMPLE.replace("=\n", "\n"),
        CHECKPOINT_EXAMPLE.replace("CsUY", "AAAA").replace("=\n", "AAAA=\n"),
        CHECKPOINT_EXAMPLE + "\n",
        "example.com\n0\n" + "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "only\ntwo\n",
    ],
)
def test_checkpoint_bodies_parse_the_same(body: str) -> None:
    ours = _outcome(lambda: bv.parse_checkpoint(body))
    theirs = _outcome(lambda: note.parse_checkpoint(body))
    if theirs == "error":
        assert ours == "error"
    else:
        assert (ours.origin, ours.size, ours.root) == (theirs.origin, theirs.size, theirs.root)


# --- inclusion proofs against ledger.merkle ------------------------------------------------------------------


def _tree(size: int) -> tuple[list[bytes], merkle.NodeGetter]:
    leaves = [merkle.leaf_hash(f"entry {i}".encode()) for i in range(size)]

    def node(level: int, index: int) -> bytes:
        return merkle.root_from_leaf_hashes(leaves[index << level : (index + 1) << level])

    return leaves, node


@pytest.mark.parametrize("size", range(1, 34))
def test_inclusion_verification_agrees_for_every_leaf(size: int) -> None:
    leaves, node = _tree(size)
    root = merkle.root_from_leaf_hashes(leaves)
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, node)
        assert bv.verify_inclusion(leaves[index], index, size, proof, root)
        # and every way of getting it wrong is refused by both
        wrong = [
            (leaves[index], index, size + 1, proof, root),
            (leaves[index], index + 1, size, proof, root),
            (leaves[index], -1, size, proof, root),
            (leaves[index], size, size, proof, root),
            (leaves[(index + 1) % size], index, size, proof, root),
            (leaves[index], index, size, [*proof, root], root),
            (leaves[index], index, size, proof[:-1], root),
            (leaves[index], index, size, proof, hashlib.sha256(root).digest()),
        ]
        if proof:
            flipped = bytes([proof[0][0] ^ 1]) + proof[0][1:]
            wrong.append((leaves[index], index, size, [flipped, *proof[1:]], root))
        for args in wrong:
            assert bv.verify_inclusion(*args) == merkle.verify_inclusion(*args)
            if args[0] != leaves[index] or args[3] != proof or args[4] != root:
                assert not bv.verify_inclusion(*args)


def test_inclusion_vectors_of_transparency_dev() -> None:
    vectors = json.loads((VECTORS / "transparency_dev_proofs.json").read_text())
    tree = json.loads((VECTORS / "rfc6962_tree_8leaves.json").read_text())
    leaves = [bv.leaf_hash(bytes.fromhex(leaf)) for leaf in tree["leaves_hex"]]
    roots = [bytes.fromhex(root) for root in tree["root_by_size_hex"]]
    assert vectors["inclusion"]
    for case in vectors["inclusion"]:
        index, size, proof = case["index"], case["size"], [bytes.fromhex(p) for p in case["proof_hex"]]
        assert bv.verify_inclusion(leaves[index], index, size, proof, roots[size])
        assert merkle.verify_inclusion(leaves[index], index, size, proof, roots[size])


def test_leaf_hash_is_the_ledgers() -> None:
    for entry in (b"", b"{}", "条目".encode()):
        assert bv.leaf_hash(entry) == merkle.leaf_hash(entry)


# --- BagIt path encoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "encoded"),
    [
        ("data/a.txt", "data/a.txt"),
        ("data/100%.txt", "data/100%25.txt"),
        ("data/a\nb.txt", "data/a%0Ab.txt"),
        ("data/a\r\nb.txt", "data/a%0D%0Ab.txt"),
        ("data/%0A.txt", "data/%250A.txt"),
        ("data/案卷 1.json", "data/案卷 1.json"),
    ],
)
def test_manifest_paths_encode_cr_lf_and_percent_only(path: str, encoded: str) -> None:
    # RFC 8493 §2.1.3
    assert bv.encode_manifest_path(path) == encoded
    assert bv.decode_manifest_path(encoded) == path


def test_path_encoding_round_trips() -> None:
    for chars in itertools.product("a%\r\n0AD", repeat=4):
        path = "data/" + "".join(chars)
        assert bv.decode_manifest_path(bv.encode_manifest_path(path)) == path
