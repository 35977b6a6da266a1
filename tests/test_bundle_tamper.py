"""Tampering with each part of a case bundle is caught, and the message names the part (issue 4, INTEGRITY-01..06).

Each change is made the way a careful forger would make it: the file is altered and the BagIt manifests, the
tag manifest and Payload-Oxum are recomputed, so the bag's own fixity passes and the ledger-backed checks are what
catch it. One test also shows the plain fixity failure when the manifests are left alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from quancheng.ledger import bundle_verifier, checkpoints, note
from quancheng.ledger.bundle_verifier import UNVERIFIED

pytest.register_assert_rewrite("tests.bundle_support")

from .bundle_support import (  # noqa: E402 - after the rewrite hook
    ExportedBundle,
    first_record_id,
    read_members,
    rebag,
)

# The fixtures (blob_dir, bundle_case, exported) live with the helpers.
pytest_plugins = ["tests.bundle_support"]

pytestmark = pytest.mark.django_db


def _verify(exported: ExportedBundle, data: bytes, tmp_path: Path, key: str | None = None) -> list[str]:
    path = tmp_path / "tampered.zip"
    path.write_bytes(data)
    report = exported.verify(key=key, path=path)
    return [str(failure) for failure in report.failures]


def _one(failures: list[str], *fragments: str) -> None:
    """At least one failure names every fragment (a file and what is wrong with it)."""
    assert failures, "the tampering went unnoticed"
    assert any(all(fragment in failure for fragment in fragments) for failure in failures), failures


def test_a_byte_changed_in_a_media_file(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: one byte of one media file flipped
    _base, files = read_members(exported.data)
    media = sorted(rel for rel in files if rel.startswith("data/media/"))[0]

    def flip(files: dict[str, bytes]) -> None:
        content = bytearray(files[media])
        content[len(content) // 2] ^= 0x01
        files[media] = bytes(content)

    # when
    failures = _verify(exported, rebag(exported.data, flip), tmp_path)

    # then
    _one(failures, media, "音像文件内容已被改动", "media content was changed")


def test_a_record_field_changed_in_the_readable_record(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the place of a record changed in records/<id>.json only
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)
    rel = f"data/records/{record_id}.json"

    def edit(files: dict[str, bytes]) -> None:
        view = json.loads(files[rel])
        view["place"] = "别处"
        files[rel] = json.dumps(view, ensure_ascii=False).encode("utf-8")

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then
    _one(failures, rel, "place", f"record:{record_id}", "内容已被改动")


def test_a_record_content_field_changed_in_the_readable_record(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a word of a record's content changed in records/<id>.json
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)
    rel = f"data/records/{record_id}.json"

    def edit(files: dict[str, bytes]) -> None:
        view = json.loads(files[rel])
        key = sorted(view["content"])[0]
        view["content"][key] = "篡改后的内容"
        files[rel] = json.dumps(view, ensure_ascii=False).encode("utf-8")

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then
    _one(failures, rel, "content", "differs from the verified row")


def test_a_record_field_changed_in_its_snapshot(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the same field changed in the row snapshot (kept canonical: sorted keys, no spaces)
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)
    rel = f"data/rows/record_{record_id}.snapshot.json"

    def edit(files: dict[str, bytes]) -> None:
        snapshot = json.loads(files[rel])
        snapshot["place"] = "别处"
        files[rel] = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then: the snapshot no longer hashes to its entry, and the readable record no longer matches a verified row
    _one(failures, rel, "SHA-256", "digests.row")
    _one(failures, f"data/records/{record_id}.json", "没有经核验的数据行")


def test_a_record_field_changed_in_both_record_and_snapshot(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a forger changes the readable record and its snapshot consistently
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)
    view_rel, row_rel = f"data/records/{record_id}.json", f"data/rows/record_{record_id}.snapshot.json"

    def edit(files: dict[str, bytes]) -> None:
        view = json.loads(files[view_rel])
        view["place"] = "别处"
        files[view_rel] = json.dumps(view, ensure_ascii=False).encode("utf-8")
        snapshot = json.loads(files[row_rel])
        snapshot["place"] = "别处"
        files[row_rel] = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then: the ledger entry's digest is what the pair cannot match
    _one(failures, row_rel, "数据行快照的 SHA-256 与账本条目")


def test_a_proof_hash_changed(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: one hash of one inclusion proof altered
    _base, files = read_members(exported.data)
    rel = next(
        rel for rel in sorted(files) if rel.startswith("data/ledger/proofs/") and json.loads(files[rel])["proof"]
    )

    def edit(files: dict[str, bytes]) -> None:
        proof = json.loads(files[rel])
        proof["proof"][0] = ("0" if proof["proof"][0][0] != "0" else "1") + proof["proof"][0][1:]
        files[rel] = json.dumps(proof).encode("utf-8")

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then
    _one(failures, rel, "包含证明不成立", "does not lead to the checkpoint's root")


def test_an_entry_changed(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a ledger entry's bytes altered (its actor)
    _base, files = read_members(exported.data)
    rel = sorted(rel for rel in files if rel.startswith("data/ledger/entries/"))[0]

    def edit(files: dict[str, bytes]) -> None:
        files[rel] = files[rel].replace(b'"actor":"user:', b'"actor":"user:9')

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then: its leaf hash no longer matches its proof
    index = rel.rsplit("/", 1)[1][:-5]
    _one(failures, f"data/ledger/proofs/{index}.json", "叶哈希")


def test_the_checkpoint_text_changed(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the tree size in the signed checkpoint text changed, signature kept
    rel = "data/ledger/checkpoint.txt"

    def edit(files: dict[str, bytes]) -> None:
        origin, size, rest = files[rel].decode("utf-8").split("\n", 2)
        files[rel] = f"{origin}\n{int(size) + 1}\n{rest}".encode()

    # when
    failures = _verify(exported, rebag(exported.data, edit), tmp_path)

    # then
    _one(failures, rel, "检查点签名无效", "checkpoint signature is invalid")


def test_the_checkpoint_root_changed(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the root hash line replaced by another valid hash
    rel = "data/ledger/checkpoint.txt"

    def edit(files: dict[str, bytes]) -> None:
        lines = files[rel].decode("utf-8").split("\n")
        lines[2] = base64.b64encode(bytes(32)).decode("ascii")
        files[rel] = "\n".join(lines).encode("utf-8")

    # when / then
    _one(_verify(exported, rebag(exported.data, edit), tmp_path), rel, "检查点签名无效")


def test_a_checkpoint_signed_by_another_key(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the checkpoint (with a forged root) re-signed by another key under the same name
    rel = "data/ledger/checkpoint.txt"
    forger = note.generate_signer(checkpoints.log_origin())

    def resign(files: dict[str, bytes]) -> None:
        text, _signatures = note.split_note(files[rel].decode("utf-8"))
        body = note.parse_checkpoint(text)
        forged = note.CheckpointBody(origin=body.origin, size=body.size, root=bytes(32))
        files[rel] = note.sign_checkpoint(forged, forger).encode("utf-8")

    # when: verified with the log's real key (given on the command line)
    failures = _verify(exported, rebag(exported.data, resign), tmp_path)

    # then: the note bears no signature by that key
    _one(failures, rel, "没有所给公钥", "not signed by the given key")
    # and the forger's own key is of no use either: the verifier only takes the key it is given, and the
    # forged root does not hold the entries
    forged_key = forger.verifier().verifier_key()
    _one(_verify(exported, rebag(exported.data, resign), tmp_path, key=forged_key), "data/ledger/proofs/")


def test_a_key_placed_in_the_bundle_is_never_used(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a forger adds their key to the bundle and re-signs; the real key is given on the command line
    forger = note.generate_signer(checkpoints.log_origin())
    rel = "data/ledger/checkpoint.txt"

    def forge(files: dict[str, bytes]) -> None:
        files["data/ledger/key.txt"] = forger.verifier().verifier_key().encode()
        text, _signatures = note.split_note(files[rel].decode("utf-8"))
        files[rel] = note.sign_note(text, forger).encode("utf-8")

    # when / then
    _one(_verify(exported, rebag(exported.data, forge), tmp_path), rel, "not signed by the given key")


def test_a_wrong_key_on_the_command_line(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: an untouched bundle, verified with some other log's key
    other = note.generate_signer(checkpoints.log_origin()).verifier().verifier_key()

    # when / then
    _one(_verify(exported, exported.data, tmp_path, key=other), "checkpoint.txt", "not signed by the given key")


def test_a_change_without_fixing_the_manifests_fails_fixity(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a media byte changed, manifests left as they were
    _base, files = read_members(exported.data)
    media = sorted(rel for rel in files if rel.startswith("data/media/"))[0]

    def flip(files: dict[str, bytes]) -> None:
        files[media] = bytes([files[media][0] ^ 0xFF]) + files[media][1:]

    # when
    failures = _verify(exported, rebag(exported.data, flip, fix_manifests=False), tmp_path)

    # then: the payload manifest catches it first (RFC 8493 fixity)
    _one(failures, media, "manifest-sha256.txt", "checksum differs")


def test_an_added_file_and_a_removed_file(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: one payload file added and one media file removed, manifests left alone
    _base, files = read_members(exported.data)
    media = sorted(rel for rel in files if rel.startswith("data/media/"))[0]

    def change(files: dict[str, bytes]) -> None:
        files["data/extra.txt"] = b"added later\n"
        del files[media]

    # when
    failures = _verify(exported, rebag(exported.data, change, fix_manifests=False), tmp_path)

    # then
    _one(failures, "data/extra.txt", "extra file")
    _one(failures, media, "missing")
    _one(failures, "bag-info.txt", "Payload-Oxum")


def test_a_removed_proof_is_named(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a proof deleted (and the manifests fixed)
    _base, files = read_members(exported.data)
    rel = sorted(rel for rel in files if rel.startswith("data/ledger/proofs/"))[0]
    index = rel.rsplit("/", 1)[1][:-5]

    # when
    failures = _verify(exported, rebag(exported.data, lambda files: files.pop(rel)), tmp_path)

    # then
    _one(failures, f"data/ledger/entries/{index}.json", "缺少该条目的包含证明")


def test_a_damaged_zip_member_is_named(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a byte of a media file changed inside the zip itself (media are stored uncompressed), so the
    # member's CRC-32 no longer matches
    _base, files = read_members(exported.data)
    media = max((rel for rel in files if rel.startswith("data/media/")), key=lambda rel: len(files[rel]))
    data = bytearray(exported.data)
    position = bytes(data).find(files[media][64:128])
    assert position > 0
    data[position] ^= 0x20

    # when
    failures = _verify(exported, bytes(data), tmp_path)

    # then
    _one(failures, media, "文件已损坏", "damaged")


def test_unusable_inputs(exported: ExportedBundle, tmp_path: Path) -> None:
    # a file that is not a zip, and a zip without bagit.txt, cannot be checked at all
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    key = bundle_verifier.parse_verifier_key(checkpoints.verifier_key())
    with pytest.raises(bundle_verifier.BundleUnusable):
        bundle_verifier.verify_bundle(str(junk), key)
    base, files = read_members(exported.data)
    del files["bagit.txt"]
    from .bundle_support import write_members

    nobag = tmp_path / "nobag.zip"
    nobag.write_bytes(write_members(base, files))
    with pytest.raises(bundle_verifier.BundleUnusable):
        bundle_verifier.verify_bundle(str(nobag), key)


def _without_record(files: dict[str, bytes], record_id: int) -> None:
    """Remove a record and everything of it: readable file, snapshot, its entries and proofs."""
    subject = f"record:{record_id}"
    for rel in [rel for rel in files if rel.startswith("data/ledger/entries/")]:
        if json.loads(files[rel])["subject"] == subject:
            index = rel.rsplit("/", 1)[1]
            del files[rel], files[f"data/ledger/proofs/{index}"]
    del files[f"data/records/{record_id}.json"], files[f"data/rows/record_{record_id}.snapshot.json"]


def test_a_record_removed_from_the_bundle(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a whole record taken out, every trace of it, manifests fixed
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)

    # when
    failures = _verify(exported, rebag(exported.data, lambda files: _without_record(files, record_id)), tmp_path)

    # then: the inventory committed by the export's own entry names what is gone
    _one(failures, f"data/rows/record_{record_id}.snapshot.json", "现已缺失或被替换", "missing or replaced")


def test_a_record_removed_and_the_inventory_edited(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the record removed and its line deleted from the inventory too
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)

    def remove(files: dict[str, bytes]) -> None:
        _without_record(files, record_id)
        lines = files["data/inventory.txt"].decode("ascii").splitlines(keepends=True)
        files["data/inventory.txt"] = "".join(line for line in lines if f" record:{record_id} " not in line).encode()

    # when
    failures = _verify(exported, rebag(exported.data, remove), tmp_path)

    # then: the inventory no longer matches the digest the ledgered export row holds
    _one(failures, "data/inventory.txt", "清单被改动", "inventory changed")


def test_the_export_record_removed(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: the export's row, readable file and entry taken out (and with them the inventory's anchor)
    _base, files = read_members(exported.data)
    export_id = json.loads(files["data/export.json"])["id"]

    def remove(files: dict[str, bytes]) -> None:
        for rel in [rel for rel in files if rel.startswith("data/ledger/entries/")]:
            if json.loads(files[rel])["subject"] == f"case_export:{export_id}":
                index = rel.rsplit("/", 1)[1]
                del files[rel], files[f"data/ledger/proofs/{index}"]
        del files["data/export.json"], files[f"data/rows/case_export_{export_id}.snapshot.json"]

    # when / then
    _one(_verify(exported, rebag(exported.data, remove), tmp_path), "data/export.json", "缺少经账本核验的导出记录")


def test_a_snapshot_and_its_entry_forged_together(exported: ExportedBundle, tmp_path: Path) -> None:
    # given: a record's snapshot changed, and its entry's digests.row rewritten to match it
    _base, files = read_members(exported.data)
    record_id = first_record_id(files)
    row_rel = f"data/rows/record_{record_id}.snapshot.json"
    entry_rel = max(
        (rel for rel in files if rel.startswith("data/ledger/entries/")),
        key=lambda rel: (json.loads(files[rel])["subject"] == f"record:{record_id}", int(rel.rsplit("/", 1)[1][:-5])),
    )

    def forge(files: dict[str, bytes]) -> None:
        old = hashlib.sha256(files[row_rel]).hexdigest()
        snapshot = json.loads(files[row_rel])
        snapshot["place"] = "别处"
        files[row_rel] = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        files[entry_rel] = files[entry_rel].replace(old.encode(), hashlib.sha256(files[row_rel]).hexdigest().encode())

    # when
    failures = _verify(exported, rebag(exported.data, forge), tmp_path)

    # then: the forged entry is not in the signed tree, and so vouches for nothing
    index = entry_rel.rsplit("/", 1)[1][:-5]
    _one(failures, f"data/ledger/proofs/{index}.json", "叶哈希")
    assert any(row_rel in failure for failure in failures), failures


def test_a_forged_field_the_ledger_does_not_hold_is_caught(exported: ExportedBundle, tmp_path: Path) -> None:
    """A name placed beside the verified fields (where a reader would trust it) is refused, manifests fixed."""

    def change(files: dict[str, bytes]) -> None:
        rel = f"data/records/{first_record_id(files)}.json"
        view = json.loads(files[rel])
        view["author_name"] = "张三(伪造)"
        files[rel] = json.dumps(view, ensure_ascii=False).encode()

    _one(_verify(exported, rebag(exported.data, change), tmp_path), "author_name", "not in the verified row")


def test_a_forged_exporter_name_is_caught(exported: ExportedBundle, tmp_path: Path) -> None:
    def change(files: dict[str, bytes]) -> None:
        view = json.loads(files["data/export.json"])
        view["actor_name"] = "钱局长"
        files["data/export.json"] = json.dumps(view, ensure_ascii=False).encode()

    _one(_verify(exported, rebag(exported.data, change), tmp_path), "data/export.json", "actor_name")


def test_names_and_labels_are_kept_apart_as_unverified(exported: ExportedBundle) -> None:
    """Readable views keep only ledger-held fields at the top; the rest is marked unverified display data."""
    _base, files = read_members(exported.data)
    record = json.loads(files[f"data/records/{first_record_id(files)}.json"])
    assert "author_name" not in record
    assert "author_name" in record[UNVERIFIED]
    export = json.loads(files["data/export.json"])
    assert "actor_name" in export[UNVERIFIED] and "reason" in export
