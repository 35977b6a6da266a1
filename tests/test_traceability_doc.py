"""docs/traceability.md lists every requirement id of spec/requirements.yaml and is what
``quancheng rules traceability`` generates now (it is never edited by hand)."""

from __future__ import annotations

import re

from quancheng.rules.requirements import requirements
from quancheng.rules.traceability import COMMAND, DEFAULT_OUTPUT, generate

REGENERATE = f"run `{COMMAND}` to regenerate docs/traceability.md"


def doc_text() -> str:
    assert DEFAULT_OUTPUT.exists(), f"docs/traceability.md is missing: {REGENERATE}"
    return DEFAULT_OUTPUT.read_text("utf-8")


def test_doc_lists_all_198_requirement_ids() -> None:
    # given
    catalogue = set(requirements())

    # when
    listed = set(re.findall(r"^\| ([A-Z]+-\d{2}) \|", doc_text(), re.M))

    # then
    assert len(catalogue) == 198
    assert listed == catalogue, (
        f"missing {sorted(catalogue - listed)}, extra {sorted(listed - catalogue)}: {REGENERATE}"
    )


def test_doc_is_up_to_date() -> None:
    # given
    on_disk = doc_text()

    # when
    fresh = generate()

    # then
    assert on_disk == fresh, f"docs/traceability.md is out of date: {REGENERATE}"
