"""RFC 8785 canonical JSON: the published test vectors, an independent implementation, the hashes.

Every hash stalkrisk makes (instruments, inputs, records, models) is the sha256 of this one
canonical form, so that a court system in another language recomputes it with any RFC 8785
library. Records of format 1 (before RFC 8785) keep their own scheme, which is pinned here.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

import stalkrisk
from stalkrisk._internal.canonical import (
    canonical_json,
    canonical_sha256,
    es_number,
    legacy_canonical_json,
)

# RFC 8785, section 3.2.2.3 (Appendix B gives more): IEEE 754 bit patterns and their text.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),  # round to even
]


def _double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


@pytest.mark.parametrize(("bits", "text"), NUMBERS)
def test_rfc8785_number_vectors(bits: str, text: str) -> None:
    assert es_number(_double(bits)) == text
    assert canonical_json([_double(bits)]) == f"[{text}]"


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinity_have_no_canonical_form(bits: str) -> None:
    with pytest.raises(ValueError, match="NaN and Infinity"):
        canonical_json({"x": _double(bits)})


def test_rfc8785_example_of_section_3_2_2() -> None:
    # The input of RFC 8785's example, parsed as JSON, and the canonical text it gives.
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], '
        r'"string": "\u20ac$\u000F\u000aA'
        "'"
        r'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical_json(json.loads(text)) == expected


def test_rfc8785_property_sorting_example_of_section_3_2_3() -> None:
    # Members are sorted by their names' UTF-16 code units, not by code points: the emoji
    # (a surrogate pair, D83D) sorts before U+FB33.
    data = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonical_json(data)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_integers_beyond_the_safe_range_have_no_canonical_form() -> None:
    # ECMAScript's Number.MAX_SAFE_INTEGER: beyond it, two integers share one double
    assert canonical_json([2**53 - 1, -(2**53 - 1)]) == "[9007199254740991,-9007199254740991]"
    with pytest.raises(ValueError, match="2\\*\\*53 - 1"):
        canonical_json([2**53])


def test_a_lone_surrogate_has_no_canonical_form() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        canonical_json({"x": "\ud800"})


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(TypeError):
        canonical_json({"x": {1, 2}})
    with pytest.raises(TypeError):
        canonical_json({1: "x"})


# --- an independent implementation agrees ----------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_canonical_json_equals_the_rfc8785_package(value: Any) -> None:
    ours = canonical_json(value)
    assert ours.encode("utf-8") == rfc8785.dumps(value)
    # numbers are doubles in RFC 8785: read back as doubles, every value is what it was
    assert json.loads(ours, parse_int=float) == value


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_double_is_written_as_ecmascript_writes_it(x: float) -> None:
    text = es_number(x)
    assert text == rfc8785.dumps(x).decode("ascii")
    assert float(text) == x or (x == 0 and float(text) == 0)


# --- every hash stalkrisk makes is this one -------------------------------------------------


def test_instrument_hash_is_the_sha256_of_its_rfc8785_content() -> None:
    for instrument in stalkrisk.bundled_instruments(all_versions=True).values():
        content = instrument.model_dump(mode="json", exclude_defaults=True)
        assert instrument.canonical_json == rfc8785.dumps(content).decode("utf-8")
        assert instrument.sha256 == hashlib.sha256(rfc8785.dumps(content)).hexdigest()


def test_input_hash_is_the_sha256_of_the_rfc8785_normal_form() -> None:
    case = stalkrisk.load_example("EX-01")
    normal = case.model_dump(mode="json", exclude_defaults=True)
    normal["schema_version"] = case.schema_version
    assert stalkrisk.input_sha256(case) == hashlib.sha256(rfc8785.dumps(normal)).hexdigest()


#: The bundled instruments' hashes in record format 1 (Python's json.dumps). Records of that
#: format name these, so they must never change: they are how old records still verify.
#: Format-1 records were made with stalkrisk-screen 1.0.0, so its version is named.
LEGACY_HASHES = {
    "stalkrisk-screen@1.0.0": "705f955d1dbde9dbac833a77fcd6183df934d7c5387af8cc7a288aa52692ab58",
    "ogrs3": "743bd87ed726ea8e25a73c895ff01870e52f3a66c007243f01f7a4acc8d0ee34",
    "psa": "0244df0a1bc670570142565c00ffb814ac885c4b1dc00fa9523d1c649c41e989",
}


@pytest.mark.parametrize(("instrument_id", "legacy"), sorted(LEGACY_HASHES.items()))
def test_format_1_hashes_of_the_bundled_instruments_are_pinned(
    instrument_id: str, legacy: str
) -> None:
    instrument = stalkrisk.load_instrument(instrument_id)
    assert instrument.legacy_sha256 == legacy
    assert instrument.sha256 != legacy  # the RFC 8785 hash differs: 3.0 is written 3


def test_the_format_1_scheme_differs_from_rfc8785_only_where_python_differs() -> None:
    assert legacy_canonical_json({"b": 3.0, "a": [1, "é"]}) == '{"a":[1,"é"],"b":3.0}'
    assert canonical_json({"b": 3.0, "a": [1, "é"]}) == '{"a":[1,"é"],"b":3}'
    assert canonical_sha256({"a": 1}) == canonical_sha256({"a": 1.0})
    assert not math.isnan(float(es_number(1e-7)))
