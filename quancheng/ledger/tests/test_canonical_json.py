"""services.canonical_json writes exactly RFC 8785 (the rfc8785 package's bytes) for every entry it can be given:
its fast path for flat string entries must never disagree with the reference, or stored entries would fail verify."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from quancheng.ledger.services import canonical_json

# Any text, including every control character, quotes, backslashes, U+2028/9, DEL and non-BMP characters.
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
ascii_keys = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=12)


@settings(max_examples=500, deadline=None)
@given(
    st.fixed_dictionaries(
        {"action": any_text, "actor": any_text, "subject": any_text, "at": any_text},
        optional={"digests": st.dictionaries(ascii_keys, any_text, max_size=5)},
    )
)
def test_entry_shaped_fields_are_rfc8785(fields: dict) -> None:
    assert canonical_json(fields) == rfc8785.dumps(fields)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(any_text, st.one_of(any_text, st.integers(-(2**53) + 1, 2**53 - 1), st.booleans(), st.none())))
def test_any_keys_and_values_are_rfc8785(fields: dict) -> None:
    # non-ASCII keys (UTF-16 ordering) and non-string values take the reference path
    assert canonical_json(fields) == rfc8785.dumps(fields)


@pytest.mark.parametrize(
    "text",
    ["\x00\x01\x1f", '"\\', "\b\f\n\r\t", "\x7f", "\u2028\u2029", "中文", "😀", "\ue000", "</script>"],
    ids=repr,
)
def test_escapes_match_the_reference(text: str) -> None:
    fields = {"subject": text, "digests": {"row": text}}
    assert canonical_json(fields) == rfc8785.dumps(fields)


def test_keys_sort_by_utf16_code_units() -> None:
    # U+E000 sorts after U+1F600 by code point but before it by UTF-16 code unit: the reference path decides
    fields = {"\ue000": "a", "😀": "b"}
    assert canonical_json(fields) == rfc8785.dumps(fields)
    assert canonical_json(fields).index("😀".encode()) < canonical_json(fields).index("\ue000".encode())


def test_lone_surrogates_are_refused_as_the_reference_refuses_them() -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_json({"subject": "\ud800"})
