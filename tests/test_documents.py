"""The one reader of JSON and TOML documents: strict, bounded, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from stalkrisk._internal.documents import (
    CUT_SHORT,
    NON_FINITE,
    NUMBER_TOO_LARGE,
    NUMBER_TOO_LONG,
    TOO_DEEP,
    DocumentError,
    parse_json,
    parse_toml,
    read_text,
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', NON_FINITE),
        ('{"a": -Infinity}', NON_FINITE),
        ('{"a": 1e400}', NUMBER_TOO_LARGE),
        ('{"a": -1e400}', NUMBER_TOO_LARGE),
        ('{"a": ' + "9" * 5000 + "}", NUMBER_TOO_LONG),
        ("[" * 100_000 + "]" * 100_000, TOO_DEEP),
        ('{"a": [1, 2', CUT_SHORT),
    ],
)
def test_what_json_cannot_hold_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(DocumentError) as exc:
        parse_json(text)
    assert exc.value.message == message


def test_numbers_that_are_json_are_read_as_written() -> None:
    assert parse_json('{"a": -0.0, "b": 0.1e-400, "c": 1E2}') == {"a": -0.0, "b": 0.0, "c": 100.0}


def test_a_duplicate_key_is_named_by_its_path_unless_the_key_is_unknown() -> None:
    with pytest.raises(DocumentError) as exc:
        parse_json('{"episode": {"threats": {"to_kill": 1, "to_kill": 2}}}')
    assert exc.value.kind == "duplicate_key"
    assert exc.value.message.startswith("episode.threats.to_kill: the same key is given twice")
    with pytest.raises(DocumentError) as exc:
        parse_json('{"perpetrator": {"Jane Doe": 1, "Jane Doe": 2}}', known_keys={"perpetrator"})
    assert exc.value.message.startswith("perpetrator.?: the same key is given twice")
    assert "Jane" not in str(exc.value)


@pytest.mark.parametrize("tail", ["1e400", "9" * 5000, "[" * 5000 + "]" * 5000, "NaN"])
def test_a_duplicate_key_before_another_problem_is_never_a_traceback(tail: str) -> None:
    # The duplicate is found first; the parse that locates it meets the later problem too.
    with pytest.raises(DocumentError) as exc:
        parse_json('{"x": {"a": 1, "a": 2}, "b": ' + tail + "}")
    assert exc.value.kind == "json"


def test_bytes_and_a_byte_order_mark() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(DocumentError) as exc:
        parse_json(b'{"a": "\xff"}')
    assert exc.value.kind == "encoding"
    assert "byte 8" in exc.value.message


def test_toml_problems_are_clear_errors() -> None:
    with pytest.raises(DocumentError, match="Cannot overwrite a value"):
        parse_toml("a = 1\na = 2\n")  # TOML itself refuses a key given twice
    with pytest.raises(DocumentError, match="nested too deeply"):
        parse_toml("a = " + "[" * 100_000 + "]" * 100_000)
    with pytest.raises(DocumentError, match="too many digits"):
        parse_toml("a = " + "9" * 5000)


def test_a_file_is_read_up_to_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text("x" * 11)
    assert read_text(path, max_bytes=11) == "x" * 11
    with pytest.raises(DocumentError) as exc:
        read_text(path, max_bytes=10, what="a case file", hint="; split it")
    assert exc.value.kind == "too_large"
    assert exc.value.message == "is larger than 10 bytes, the most a case file may hold; split it"
    with pytest.raises(DocumentError, match="no such file"):
        read_text(path.with_name("gone.json"), max_bytes=10)
    with pytest.raises(DocumentError, match="is a folder"):
        read_text(path.parent, max_bytes=10)
