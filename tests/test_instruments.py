"""Instruments: the format, the loader's errors, content hashes, and the bundled screen.

Small instrument files live in ``tests/data/instruments/``: ``minimal.toml`` is valid, and most
other files there are copies of it with one deliberate fault, named in the file's first line.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import stalkrisk
from stalkrisk import (
    DEFAULT_INSTRUMENT,
    BandSpec,
    FactorKind,
    FactorValue,
    Instrument,
    InstrumentError,
    InstrumentFileError,
    StalkriskError,
    UnknownInstrumentError,
    band_index,
    bundled_instruments,
    instrument_from_data,
    load_instrument,
)
from stalkrisk.errors import UNKNOWN_INSTRUMENT
from stalkrisk.instruments import FORMAT, Item, Level, ValidationStatus

DATA = Path(__file__).resolve().parent / "data" / "instruments"
MINIMAL = DATA / "minimal.toml"
BUNDLED_DATA = Path(stalkrisk.__file__).resolve().parent / "instruments" / "data"
BUNDLED_FILE = BUNDLED_DATA / "stalkrisk-screen.toml"
BUNDLED_FILE_1 = BUNDLED_DATA / "stalkrisk-screen-1.0.0.toml"

#: sha256 of stalkrisk-screen 2.0.0's canonical content. If you change the instrument on
#: purpose, bump its version and update this; if you did not, something changed its weights.
SCREEN_SHA256 = "45d24ca4e706"
#: sha256 of stalkrisk-screen 1.0.0, which stays bundled so that its records verify: never
#: changes.
SCREEN_1_SHA256 = "82668d9ee687"


def minimal_data() -> dict[str, Any]:
    return tomllib.loads(MINIMAL.read_text(encoding="utf-8"))


def file_problems(name: str) -> tuple[InstrumentFileError, list[tuple[str, str]]]:
    path = DATA / name
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(path)
    return exc.value, exc.value.problems


# --- loading -----------------------------------------------------------------------------------


def test_load_bundled_screen_by_id() -> None:
    screen = load_instrument("stalkrisk-screen")
    assert isinstance(screen, Instrument)
    assert screen.id == "stalkrisk-screen"
    assert screen.format == FORMAT == "stalkrisk-instrument/1"
    assert [s.id for s in screen.scales] == ["persistence", "recurrence", "serious_harm"]
    assert load_instrument("stalkrisk-screen") is screen  # bundled instruments are cached


def test_every_bundled_version_loads_by_id_at_version() -> None:
    newest = load_instrument("stalkrisk-screen")
    assert load_instrument("stalkrisk-screen@2.0.0") is newest
    old = load_instrument("stalkrisk-screen@1.0.0")
    assert (old.id, old.version) == ("stalkrisk-screen", "1.0.0")
    assert [s.id for s in old.scales] == ["continued_stalking", "serious_harm"]
    assert old.sha256[:12] == SCREEN_1_SHA256
    assert load_instrument(BUNDLED_FILE_1) == old  # its file is accepted under the bundled id
    every = bundled_instruments(all_versions=True)
    assert list(every)[:2] == ["ogrs3@1.0.0", "psa@1.0.0"]
    assert every["stalkrisk-screen@1.0.0"] is old
    assert every["stalkrisk-screen@2.0.0"] is newest
    assert bundled_instruments()["stalkrisk-screen"] is newest  # by id: the newest version


def test_a_file_whose_name_has_an_at_sign_is_read_as_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stalkrisk-screen@1.0.0.toml").write_bytes(BUNDLED_FILE_1.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert load_instrument("stalkrisk-screen@1.0.0.toml") == load_instrument(
        "stalkrisk-screen@1.0.0"
    )


def test_an_unbundled_version_is_refused_with_the_versions_there_are() -> None:
    with pytest.raises(UnknownInstrumentError, match=r"no version '9\.9\.9'") as exc:
        load_instrument("stalkrisk-screen@9.9.9")
    assert "1.0.0, 2.0.0" in str(exc.value)
    with pytest.raises(UnknownInstrumentError):
        load_instrument("no-such@1.0.0")


def test_default_instrument_is_the_screen() -> None:
    assert DEFAULT_INSTRUMENT == "stalkrisk-screen"
    assert load_instrument() is load_instrument(DEFAULT_INSTRUMENT)
    assert "stalkrisk-screen" in bundled_instruments()


def test_load_instrument_returns_an_instrument_unchanged() -> None:
    screen = load_instrument()
    assert load_instrument(screen) is screen


def test_bundled_file_loaded_by_path_matches_bundled_id() -> None:
    by_path = load_instrument(BUNDLED_FILE)
    assert by_path is not load_instrument()
    assert by_path == load_instrument()
    assert by_path.sha256 == load_instrument().sha256


@pytest.mark.parametrize("name", ["minimal.toml", "minimal.json", "minimal_reformatted.toml"])
def test_load_valid_files(name: str) -> None:
    instrument = load_instrument(DATA / name)
    assert instrument.id == "test-minimal"
    assert [i.id for i in instrument.items] == ["threats", "convictions", "fear"]
    assert load_instrument(str(DATA / name)) == instrument


def test_bundled_instruments_cannot_be_broken_by_a_caller() -> None:
    # bundled_instruments() is cached: a caller that edits what it returns must not change
    # what every later load_instrument() call sees.
    found = bundled_instruments()
    with pytest.raises(TypeError):
        del found["stalkrisk-screen"]  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        found["other"] = found["stalkrisk-screen"]  # type: ignore[index]
    assert "stalkrisk-screen" in bundled_instruments()
    assert load_instrument("stalkrisk-screen").id == "stalkrisk-screen"


# --- unknown ids -------------------------------------------------------------------------------


def test_unknown_id_raises_unknown_instrument_error() -> None:
    with pytest.raises(UnknownInstrumentError) as exc:
        load_instrument("no-such-instrument")
    err = exc.value
    assert isinstance(err, LookupError)
    assert isinstance(err, InstrumentError)
    assert isinstance(err, ValueError)
    assert isinstance(err, StalkriskError)
    available = ", ".join(sorted(bundled_instruments()))
    assert str(err) == UNKNOWN_INSTRUMENT.format(id="no-such-instrument", available=available)
    assert "'no-such-instrument'" in str(err)
    assert "stalkrisk-screen" in str(err)


@pytest.mark.parametrize("catch", [LookupError, ValueError, InstrumentError, StalkriskError])
def test_unknown_id_caught_by_generic_handlers(catch: type[Exception]) -> None:
    with pytest.raises(catch):
        load_instrument("stalkrisk-screeen")


# --- content hash ------------------------------------------------------------------------------


def test_same_file_gives_same_hash() -> None:
    first = load_instrument(MINIMAL)
    second = load_instrument(MINIMAL)
    assert first is not second
    assert first.sha256 == second.sha256
    assert re.fullmatch(r"[0-9a-f]{64}", first.sha256)
    assert first.sha256 == hashlib.sha256(first.canonical_json.encode("utf-8")).hexdigest()


def test_canonical_json_is_sorted_and_compact() -> None:
    canonical = load_instrument(MINIMAL).canonical_json
    parsed = json.loads(canonical)
    assert canonical == json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    assert parsed["id"] == "test-minimal"


@pytest.mark.parametrize("name", ["minimal_reformatted.toml", "minimal.json"])
def test_reformatting_keeps_the_hash(name: str) -> None:
    # reordered keys, other whitespace, inline vs section tables, the binary shorthand spelled
    # out, JSON instead of TOML: the canonical content is the same, so is the hash
    assert (DATA / name).read_bytes() != MINIMAL.read_bytes()
    assert load_instrument(DATA / name).sha256 == load_instrument(MINIMAL).sha256


def test_changing_one_point_changes_the_hash() -> None:
    changed = load_instrument(DATA / "minimal_one_point_changed.toml")
    original = load_instrument(MINIMAL)
    assert changed.item("convictions").levels[1].points == 1.5
    assert changed.sha256 != original.sha256
    assert changed.reference != original.reference


def test_bundled_screen_as_json_keeps_the_hash(tmp_path: Path) -> None:
    data = tomllib.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(data, indent=4, sort_keys=True), encoding="utf-8")
    assert load_instrument(path).sha256 == load_instrument().sha256


def test_data_hash_does_not_depend_on_source_name() -> None:
    data = minimal_data()
    assert instrument_from_data(data, "a.toml").sha256 == instrument_from_data(data).sha256


def test_bundled_screen_hash_is_pinned() -> None:
    screen = load_instrument()
    assert screen.version == "2.0.0"
    assert screen.sha256[:12] == SCREEN_SHA256
    assert load_instrument("stalkrisk-screen@1.0.0").sha256[:12] == SCREEN_1_SHA256


def test_reference_format() -> None:
    screen = load_instrument()
    assert screen.reference == f"stalkrisk-screen@2.0.0#sha256:{screen.sha256[:12]}"
    assert re.fullmatch(r"[a-z][a-z0-9-]*@\d+\.\d+\.\d+#sha256:[0-9a-f]{12}", screen.reference)
    minimal = load_instrument(MINIMAL)
    assert minimal.reference == f"test-minimal@0.1.0#sha256:{minimal.sha256[:12]}"


# --- loader errors: every problem, named by file and entry -------------------------------

BROKEN: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "duplicate_item_id.toml",
        [
            (
                "items[2] (convictions).id",
                "another item already has the id 'convictions'; ids must be unique",
            ),
            ("scales[0] (harm).items[2]", "no item has the id 'fear'; define it under [[items]]"),
        ],
    ),
    (
        "unknown_factor.toml",
        [
            (
                "items[0] (threats).factor",
                "no factor is named 'threats_to_kil'; see `stalkrisk factors` or stalkrisk.FACTORS",
            )
        ],
    ),
    (
        "unknown_item_ref.toml",
        [("scales[0] (harm).items[3]", "no item has the id 'weapons'; define it under [[items]]")],
    ),
    (
        "non_finite_points.toml",
        [
            ("items[0] (threats).levels[1].points", "Input should be a finite number"),
            ("items[1] (convictions).levels[0].points", "Input should be a finite number"),
        ],
    ),
    (
        "bands_overlap.toml",
        [
            (
                "scales[0] (harm).bands[1] (moderate).min",
                "bands must be contiguous: 'low' ends at 2 but 'moderate' starts at 1",
            )
        ],
    ),
    (
        "bands_gap.toml",
        [
            (
                "scales[0] (harm).bands[1] (moderate).min",
                "bands must be contiguous: 'low' ends at 2 but 'moderate' starts at 3",
            )
        ],
    ),
    (
        "last_band_max.toml",
        [
            (
                "scales[0] (harm).bands[2] (high).max",
                "the last band must have no max, so that every total has a band",
            )
        ],
    ),
    (
        "count_levels_gap.toml",
        [
            (
                "items[1] (convictions).levels[1].min",
                "levels must be contiguous: this level starts at 2 but the value 1 is not covered",
            )
        ],
    ),
    (
        "count_levels_overlap.toml",
        # levels 0-1 then 1-2: the value 1 is in both levels
        [
            (
                "items[1] (convictions).levels[1].min",
                "levels must be contiguous: this level starts at 1 but the value 1 is already "
                "covered",
            )
        ],
    ),
    (
        "count_last_level_max.toml",
        [
            (
                "items[1] (convictions).levels[2].max",
                "values above 5 are not covered; omit max on the last level",
            )
        ],
    ),
    (
        "binary_levels_incomplete.toml",
        [
            (
                "items[0] (threats).levels",
                "a binary factor's levels must cover exactly 0 (absent) and 1 (present)",
            )
        ],
    ),
    (
        "category_unknown.toml",
        [
            (
                "items[2] (fear).levels[2].categories",
                "'terrified' is not a category of 'victim_fear'; expected one of not_afraid, "
                "afraid, very_afraid",
            ),
            ("items[2] (fear).levels", "the levels do not cover the categories very_afraid"),
        ],
    ),
    (
        "category_not_covering.toml",
        [("items[2] (fear).levels", "the levels do not cover the categories very_afraid")],
    ),
    (
        "red_flag_unknown_band.toml",
        [
            (
                "scales[0] (harm).red_flags[0] (ttk).minimum_band",
                "no band of this scale has the id 'severe'",
            )
        ],
    ),
    (
        "red_flag_unknown_factor.toml",
        [
            (
                "scales[0] (harm).red_flags[0] (ttk).factor",
                "no factor is named 'threats_to_kil'; see `stalkrisk factors` or stalkrisk.FACTORS",
            )
        ],
    ),
    (
        "prorate_negative.toml",
        [
            (
                "scales[0] (harm).missing.method",
                "pro-rating needs items with no negative points; these have some: convictions",
            )
        ],
    ),
    (
        "max_unknown_too_big.toml",
        [("scales[0] (harm).missing.max_unknown", "max_unknown is more than the scale's 3 items")],
    ),
    ("wrong_format.toml", [("format", "Input should be 'stalkrisk-instrument/1'")]),
]


@pytest.mark.parametrize(("name", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_reports_every_problem(name: str, expected: list[tuple[str, str]]) -> None:
    err, found = file_problems(name)
    assert err.source == str(DATA / name)
    assert found == expected


@pytest.mark.parametrize(("name", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_message_names_file_and_entry(
    name: str, expected: list[tuple[str, str]]
) -> None:
    err, found = file_problems(name)
    lines = str(err).splitlines()
    count = len(expected)
    assert lines[0] == f"{DATA / name}: {count} problem{'s' if count != 1 else ''}"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == [f"  {loc}" for loc, _ in expected]
    assert lines[1:] == [f"  {loc}: {msg}" for loc, msg in found]


def test_broken_files_are_all_tested() -> None:
    named = {name for name, _ in BROKEN} | {"malformed.toml", "malformed.json"}
    valid = {"minimal.toml", "minimal.json", "minimal_reformatted.toml"}
    valid |= {"minimal_one_point_changed.toml"}
    on_disk = {p.name for p in DATA.iterdir() if p.suffix in (".toml", ".json")}
    assert on_disk == named | valid


def test_several_kinds_of_problem_reported_together() -> None:
    data = minimal_data()
    data["items"][0]["factor"] = "nope"
    data["scales"][0]["missing"]["max_unknown"] = 9
    data["scales"][0]["bands"][2]["max"] = 9
    data["scales"][0]["red_flags"][0]["minimum_band"] = "extreme"
    with pytest.raises(InstrumentFileError) as exc:
        instrument_from_data(data, "mine.toml")
    assert [loc for loc, _ in exc.value.problems] == [
        "items[0] (threats).factor",
        "scales[0] (harm).bands[2] (high).max",
        "scales[0] (harm).red_flags[0] (ttk).minimum_band",
        "scales[0] (harm).missing.max_unknown",
    ]
    assert str(exc.value).startswith("mine.toml: 4 problems\n")


def test_malformed_toml() -> None:
    err, found = file_problems("malformed.toml")
    assert len(found) == 1
    loc, msg = found[0]
    assert loc == ""
    assert msg.startswith("not valid TOML: ")
    assert re.search(r"line \d+, column \d+", msg)
    assert str(err).startswith(f"{DATA / 'malformed.toml'}: 1 problem\n")


def test_malformed_json_gives_line_and_column() -> None:
    _, found = file_problems("malformed.json")
    assert found == [
        ("line 3, column 24", "not valid JSON: Expecting property name enclosed in double quotes")
    ]


def test_wrong_extension() -> None:
    path = DATA / "wrong_extension.yaml"
    assert path.exists()
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(path)
    assert exc.value.source == str(path)
    assert exc.value.problems == [("", "an instrument file must end in .toml or .json")]


def test_wrong_extension_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "missing.yml"
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(str(path))
    assert exc.value.problems == [("", "an instrument file must end in .toml or .json")]


@pytest.mark.parametrize("suffix", [".toml", ".json", ".TOML"])
def test_missing_file(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"nowhere{suffix}"
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(path)
    assert exc.value.source == str(path)
    assert exc.value.problems == [("", "cannot read the file: no such file")]
    assert isinstance(exc.value, ValueError)
    assert not isinstance(exc.value, LookupError)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(path)
    [(loc, msg)] = exc.value.problems
    assert loc == ""
    assert msg.startswith("cannot read the file: ")


def test_non_finite_points_in_json(tmp_path: Path) -> None:
    text = MINIMAL.with_suffix(".json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["items"][0]["points"] = "PLACEHOLDER"
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(data).replace('"PLACEHOLDER"', "NaN"), encoding="utf-8")
    with pytest.raises(InstrumentFileError) as exc:
        load_instrument(path)
    # JSON has no NaN: the one JSON reader refuses it before the instrument is validated
    assert exc.value.problems == [
        ("", "NaN and Infinity are not JSON; leave the field out if it is unknown")
    ]


def test_data_that_is_not_a_table() -> None:
    with pytest.raises(InstrumentFileError) as exc:
        instrument_from_data([], "list.json")
    assert [loc for loc, _ in exc.value.problems] == [""]
    assert str(exc.value).startswith("list.json: 1 problem\n")


def test_problem_without_location_is_printed_alone() -> None:
    err = InstrumentFileError("x.toml", [("", "boom"), ("a.b", "bang")])
    assert str(err) == "x.toml: 2 problems\n  boom\n  a.b: bang"


# --- items and levels ------------------------------------------------------------------------


def item(**fields: Any) -> Item:
    return Item.model_validate(
        {"id": "x", "factor": "obsession", "label": "X", "rationale": "R.", **fields}
    )


def test_binary_points_shorthand_expands_to_two_levels() -> None:
    x = item(points=3)
    assert x.levels == [Level(min=0, max=0, points=0), Level(min=1, max=1, points=3)]
    assert x.levels is not None
    assert stalkrisk.FACTORS[x.factor or ""].kind is FactorKind.BINARY
    assert (x.min_points, x.max_points) == (0, 3)
    assert x.level_for(FactorValue(1, 1)) is x.levels[1]
    assert x.level_for(FactorValue(0, 0)) is x.levels[0]


def test_binary_shorthand_equals_explicit_levels() -> None:
    explicit = item(levels=[{"min": 0, "max": 0, "points": 0}, {"min": 1, "max": 1, "points": 2}])
    assert item(points=2) == explicit


def test_points_and_levels_together_are_refused() -> None:
    data = minimal_data()
    data["items"][0]["levels"] = [{"min": 0, "max": 0, "points": 0}, {"min": 1, "points": 2}]
    with pytest.raises(InstrumentFileError) as exc:
        instrument_from_data(data, "both.toml")
    assert exc.value.problems == [("items[0] (threats).points", "Extra inputs are not permitted")]


def test_points_shorthand_on_a_count_factor_is_refused() -> None:
    data = minimal_data()
    del data["items"][1]["levels"]
    data["items"][1]["points"] = 2
    with pytest.raises(InstrumentFileError) as exc:
        instrument_from_data(data, "count.toml")
    assert exc.value.problems == [
        (
            "items[1] (convictions).levels[1].max",
            "values above 1 are not covered; omit max on the last level",
        )
    ]


ONE_TO_TWO = Level(min=1, max=2, points=1)
THREE_UP = Level(min=3, points=2)
ZERO = Level(max=0, points=0)
AFRAID = Level(categories=["afraid", "very_afraid"], points=1)


@pytest.mark.parametrize(
    ("level", "low", "high", "holds", "overlaps"),
    [
        (ONE_TO_TWO, 1, 1, True, True),
        (ONE_TO_TWO, 2, 2, True, True),
        (ONE_TO_TWO, 1, 2, True, True),
        (ONE_TO_TWO, 0, 1, False, True),
        (ONE_TO_TWO, 2, 5, False, True),
        (ONE_TO_TWO, 1, None, False, True),
        (ONE_TO_TWO, 0, None, False, True),
        (ONE_TO_TWO, 0, 0, False, False),
        (ONE_TO_TWO, 3, 3, False, False),
        (ONE_TO_TWO, 3, None, False, False),
        (THREE_UP, 3, None, True, True),
        (THREE_UP, 7, 7, True, True),
        (THREE_UP, 2, None, False, True),
        (THREE_UP, 0, 2, False, False),
        (ZERO, 0, 0, True, True),
        (ZERO, 0, 1, False, True),
        (ZERO, 1, 1, False, False),
    ],
)
def test_level_holds_and_overlaps(
    level: Level, low: int, high: int | None, holds: bool, overlaps: bool
) -> None:
    v = FactorValue(low, high)
    assert level.holds(v) is holds
    assert level.overlaps(v) is overlaps


@pytest.mark.parametrize(
    ("category", "holds", "overlaps"),
    [("afraid", True, True), ("very_afraid", True, True), ("not_afraid", False, False)],
)
def test_category_level_holds_and_overlaps(category: str, holds: bool, overlaps: bool) -> None:
    v = FactorValue(category=category)
    assert AFRAID.holds(v) is holds
    assert AFRAID.overlaps(v) is overlaps


def test_unknown_category_overlaps_but_is_not_held() -> None:
    unknown = FactorValue(category=None)
    assert AFRAID.holds(unknown) is False
    assert AFRAID.overlaps(unknown) is True


def test_numeric_level_does_not_hold_a_category_value() -> None:
    assert ONE_TO_TWO.holds(FactorValue(category="afraid")) is False


@pytest.mark.parametrize(
    ("low", "high", "index", "possible"),
    [
        (0, 0, 0, (0, 0)),
        (1, 2, 1, (1, 1)),
        (3, 3, 2, (2, 2)),
        (3, None, 2, (2, 2)),
        (0, 1, None, (0, 1)),
        (2, 3, None, (1, 2)),
        (2, None, None, (1, 2)),
        (0, None, None, (0, 2)),
    ],
)
def test_level_for_and_possible_points(
    low: int, high: int | None, index: int | None, possible: tuple[float, float]
) -> None:
    convictions = load_instrument(MINIMAL).item("convictions")
    level = convictions.level_for(FactorValue(low, high))
    assert level is (None if index is None else convictions.levels[index])
    assert convictions.possible_points(FactorValue(low, high)) == possible


def test_level_for_category_item() -> None:
    fear = load_instrument(MINIMAL).item("fear")
    assert fear.level_for(FactorValue(category="afraid")) is fear.levels[1]
    assert fear.level_for(FactorValue(category=None)) is None
    assert fear.possible_points(FactorValue(category=None)) == (0, 2)


@pytest.mark.parametrize(
    ("level", "kind", "label"),
    [
        (Level(min=0, max=0, points=0), FactorKind.BINARY, "absent"),
        (Level(min=1, max=1, points=1), FactorKind.BINARY, "present"),
        (Level(min=0, max=1, points=1), FactorKind.BINARY, "absent or present"),
        (Level(min=0, max=0, points=0), FactorKind.COUNT, "0"),
        (ONE_TO_TWO, FactorKind.COUNT, "1-2"),
        (THREE_UP, FactorKind.COUNT, "3+"),
        (AFRAID, FactorKind.CATEGORY, "afraid, very_afraid"),
    ],
)
def test_level_label(level: Level, kind: FactorKind, label: str) -> None:
    assert level.label(kind) == label


# --- bands -------------------------------------------------------------------------------------

BANDS = [
    BandSpec(id="low", label="Low", max=4),
    BandSpec(id="moderate", label="Moderate", min=4, max=8),
    BandSpec(id="high", label="High", min=8),
]


@pytest.mark.parametrize(
    ("total", "index"),
    [
        (-5, 0),
        (0, 0),
        (3.999, 0),
        (4, 1),
        (4.0, 1),
        (7.5, 1),
        (8, 2),
        (1000, 2),
        (-math.inf, 0),
        (math.inf, 2),
    ],
)
def test_band_index(total: float, index: int) -> None:
    assert band_index(total, BANDS) == index


def test_band_index_on_cut_point_goes_to_upper_band() -> None:
    for i, band in enumerate(BANDS[1:], start=1):
        assert band.min is not None
        assert band_index(band.min, BANDS) == i
        assert band_index(math.nextafter(band.min, -math.inf), BANDS) == i - 1


def test_band_index_nan_raises() -> None:
    with pytest.raises(ValueError, match="NaN"):
        band_index(math.nan, BANDS)


def test_band_index_single_band() -> None:
    only = [BandSpec(id="all", label="All")]
    assert band_index(-1, only) == 0
    assert band_index(1e9, only) == 0


def test_band_spec_refuses_non_finite_cut_points() -> None:
    with pytest.raises(ValueError, match="finite"):
        BandSpec(id="low", label="Low", max=math.inf)


# --- the bundled screen ------------------------------------------------------------------------


def test_screen_is_labelled_illustrative() -> None:
    screen = load_instrument()
    assert screen.validation.status is ValidationStatus.ILLUSTRATIVE
    assert "not validated on outcomes" in screen.validation.statement
    assert screen.citation


#: Items of stalkrisk-screen 2.0.0 whose points fall as the value rises, because the evidence
#: points that way: recency (a recent incident scores), the absence of violent convictions
#: (persistence), age under 30 (violence among non-ex-partners), and a category item.
DECREASING = {"recent_incident", "no_violent_convictions", "under_30_not_ex_partner"}


@pytest.mark.parametrize("item_id", [i.id for i in load_instrument().items])
def test_screen_item_has_rationale_and_points_in_the_evidence_direction(item_id: str) -> None:
    x = load_instrument().item(item_id)
    assert len(x.rationale.strip()) >= 40
    assert re.search(r"\(.*(19|20)\d\d.*\)|(19|20)\d\d\)", x.rationale), "no citation"
    assert x.label.strip()
    assert x.levels is not None
    points = [level.points for level in x.levels]
    assert all(p is not None and p >= 0 for p in points)
    if any(level.categories for level in x.levels):
        assert max(points) > 0
        assert min(points) == 0
    elif item_id in DECREASING:
        assert points == sorted(points, reverse=True), f"{item_id}: {points}"
        assert points[-1] == 0
    else:
        assert points == sorted(points), f"{item_id} points are not monotone: {points}"
        assert points[0] == 0
        assert points[-1] > 0  # type: ignore[operator]


def test_screen_items_are_all_used_and_refer_to_registered_factors() -> None:
    screen = load_instrument()
    used = {ref for scale in screen.scales for ref in scale.items}
    assert used == {x.id for x in screen.items}
    for item in screen.items:
        conditions = [*(item.any_of or []), *(item.all_of or []), *(item.only_if or [])]
        sources = [item.factor] if item.factor else []
        sources += [c.factor for c in conditions]
        assert sources, item.id
        assert all(f in stalkrisk.FACTORS for f in sources), item.id
    assert all(f.factor in stalkrisk.FACTORS for f in screen.shown_factors)


def test_screen_counts_each_fact_once() -> None:
    """No factor is read by two items of one scale, nor by an item and a red flag."""
    screen = load_instrument()
    for scale in screen.scales:
        read: list[str] = []
        for item_id in scale.items:
            item = screen.item(item_id)
            conditions = [*(item.any_of or []), *(item.all_of or [])]
            own = {item.factor} if item.factor else {c.factor for c in conditions}
            read += sorted(f for f in own if f is not None)
        flags = [f.source for f in scale.red_flags]
        combinations = {"personality_disorder", "delusional_disorder"}  # all_of with another
        repeated = {f for f in read if read.count(f) > 1} - combinations
        assert not repeated, f"{scale.id}: {repeated} read twice"
        assert not set(read) & set(flags), f"{scale.id}: a red flag is also scored"
    harm = screen.scale("serious_harm")
    harm_factors = {screen.item(i).factor for i in harm.items}
    # the facts that 1.0.0 counted two or three times
    assert "weapons" not in harm_factors
    assert "domestic_abuse_history" not in harm_factors
    assert "threats_of_violence_recent" not in harm_factors
    assert "serious_violence_convictions" not in harm_factors
    assert "prior_assault_charges_female_victims" not in {x.factor for x in screen.items}


def test_screen_red_flags() -> None:
    screen = load_instrument()
    assert screen.scale("persistence").red_flags == []
    assert screen.scale("recurrence").red_flags == []
    harm = screen.scale("serious_harm")
    assert [f.factor for f in harm.red_flags] == [
        "threats_to_kill_recent",
        "countdown",
        "weapon_used_or_threatened",
        "strangulation",
        "procuring_violence",
    ]
    assert harm.missing.unknown_red_flags.value == "not_scored"
    top = harm.bands[-1].id
    for flag in harm.red_flags:
        assert flag.minimum_band == top == "many"
        assert flag.at_least == 1
        assert stalkrisk.FACTORS[flag.factor].kind is FactorKind.BINARY
        assert flag.rationale.strip()


def test_screen_scales_have_three_contiguous_integer_bands() -> None:
    for scale in load_instrument().scales:
        assert [b.id for b in scale.bands] == ["fewer", "several", "many"]
        assert scale.bands[0].min is None
        assert scale.bands[-1].max is None
        assert scale.bands[0].max == scale.bands[1].min
        assert scale.bands[1].max == scale.bands[2].min
        assert all(float(b.max).is_integer() for b in scale.bands[:-1])  # type: ignore[arg-type]
        assert scale.missing.max_unknown <= len(scale.items)
        assert scale.missing.method.value == "known_only"  # integer totals, never pro-rated
        # band words that cannot be read as OASys Risk of Serious Harm levels
        for band in scale.bands:
            assert not re.search(r"\b(low|medium|high|very high)\b", band.label, re.I)


def test_scale_lookup() -> None:
    screen = load_instrument()
    assert screen.scale("serious_harm").id == "serious_harm"
    with pytest.raises(KeyError, match="no scale 'nope'"):
        screen.scale("nope")
    assert screen.scale("serious_harm").band_rank("many") == 2
    assert "physical or sexual" in screen.scale("serious_harm").title


def test_a_copy_of_an_instrument_is_hashed_afresh_and_cannot_pose_as_the_original() -> None:
    screen = load_instrument()
    scales = [s.model_copy(update={"title": "Edited"}) for s in screen.scales]
    edited = screen.model_copy(update={"scales": scales})
    assert edited.sha256 != screen.sha256  # the cached hash is not copied with the content
    with pytest.raises(InstrumentFileError, match="belongs to the instrument bundled"):
        load_instrument(edited)
    with pytest.raises(InstrumentFileError, match="belongs to the instrument bundled"):
        stalkrisk.score(stalkrisk.load_example("EX-01"), edited)
    assert screen.model_copy().sha256 == screen.sha256
