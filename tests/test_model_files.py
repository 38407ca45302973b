"""Model files: what load_model refuses (always as ModelFileError), and one sha256 per model."""

from __future__ import annotations

import copy
import json
import math
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import stalkrisk
from stalkrisk._internal.canonical import canonical_sha256
from stalkrisk.batch import score_many
from stalkrisk.errors import ModelFileError
from stalkrisk.model import CaseEncoder, LogisticRiskModel, load_model, model_sha256, save_model
from stalkrisk.model._logistic import BAD_BAND_LABELS, BAD_CUT_POINTS_PARAM
from stalkrisk.model._persistence import (
    BAD_CLASSES,
    CASE_MODEL_CLASSES,
    CASE_MODEL_NAMED,
    UNKNOWN_FACTOR_IN_FILE,
)
from stalkrisk.report import ModelResult
from stalkrisk.synthetic import cohort

FACTORS = ["previous_convictions", "protective_order_breaches", "escalating"]
#: Put into values a file should not have; no message may repeat it.
MARKER = "Jane-Doe-14-High-St"

Doc = dict[str, Any]


def _fit_on_cases() -> tuple[LogisticRiskModel, CaseEncoder]:
    data = cohort(300, seed=3)
    encoder = CaseEncoder(FACTORS).fit(list(data.cases))
    model = LogisticRiskModel(random_state=0).fit(
        encoder.transform(list(data.cases)), list(data.outcomes)
    )
    return model, encoder


@pytest.fixture(scope="module")
def case_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model, encoder = _fit_on_cases()
    path = tmp_path_factory.mktemp("model") / "model.json"
    save_model(model, path, encoder=encoder)
    return path


@pytest.fixture(scope="module")
def table_model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 3, size=(300, 3)).astype(float)
    y = (X[:, 0] + rng.normal(size=300) > 1).astype(int)
    path = tmp_path_factory.mktemp("model") / "table.json"
    save_model(LogisticRiskModel(random_state=0).fit(X, y), path, feature_names=["a", "b", "c"])
    return path


def _edited(source: Path, target: Path, edit: Callable[[Doc], object]) -> Path:
    data = json.loads(source.read_text())
    edit(data)
    target.write_text(json.dumps(data))
    return target


def _refusal(path: Path) -> ModelFileError:
    with pytest.raises(ModelFileError) as info:
        load_model(path)
    assert str(path) in str(info.value)
    assert MARKER not in str(info.value)
    return info.value


# -- A. what a model file may hold ------------------------------------------------------------


def _set(dotted: str, value: Any) -> Callable[[Doc], object]:
    *path, last = dotted.split(".")

    def edit(data: Doc) -> None:
        for key in path:
            data = data[key]
        data[last] = value

    return edit


@pytest.mark.parametrize(
    ("field", "value", "where", "message"),
    [
        ("params.band_labels", ["low", "mid", "=HYPERLINK(1)"], "params.band_labels.2", "pattern"),
        ("params.band_labels", ["low", "mid", f"+cmd|{MARKER}"], "params.band_labels.2", "pattern"),
        ("params.band_labels", ["low", "high"], "params.band_labels", BAD_BAND_LABELS),
        ("params.band_labels", ["low", "low", "high"], "params.band_labels", "two are the same"),
        (
            "params.band_labels",
            ["a", "b", "c", "d"],
            "params.band_labels",
            "there are 4 for 3 bands",
        ),
        ("params.cut_points", [], "params.cut_points", "at least 1 item"),
        ("params.cut_points", [0.2, 0.2], "params.cut_points", BAD_CUT_POINTS_PARAM),
        ("params.cut_points", [0.5, 0.2], "params.cut_points", "larger than the one before"),
        ("params.cut_points", [0.2, 1.0], "params.cut_points.1", "less than 1"),
        ("params.cut_points", [0.0, 0.5], "params.cut_points.0", "greater than 0"),
        # JSON has no NaN or Infinity: the one JSON reader refuses the file before validation
        ("params.cut_points", [0.2, math.inf], "", "NaN and Infinity are not JSON"),
        ("params.cut_points", [math.nan, 0.5], "", "NaN and Infinity are not JSON"),
        ("params.cut_points", ["0.2", 0.5], "params.cut_points.0", "valid number"),
        ("classes", [0, 0], "classes", BAD_CLASSES),
        ("classes", [1, 0], "classes", BAD_CLASSES),
        ("classes", [0, "1"], "classes", BAD_CLASSES),
        ("classes", [0, 2], "classes", CASE_MODEL_CLASSES),
        ("classes", ["no", "yes"], "classes", CASE_MODEL_CLASSES),
        ("classes", [False, True], "classes.0", "valid integer"),
        ("classes", [0, 1, 2], "classes", "at most 2 items"),
        ("classes", [0, 2**60], "classes.1", "less than or equal to"),
        ("params.random_state", 2**40, "params.random_state", "less than or equal"),
        ("training.n", 10**30, "training.n", "less than or equal"),
        ("params.cv", "5", "params.cv", "valid integer"),
        ("library_version", f"=cmd|{MARKER}", "library_version", "pattern"),
        ("encoder.factors", [MARKER, *FACTORS[1:]], "encoder.factors.0", UNKNOWN_FACTOR_IN_FILE),
        ("encoder.factors", [FACTORS[0], *FACTORS], "encoder.factors", "named twice"),
        ("named_features", True, "named_features", CASE_MODEL_NAMED),
        ("encoder.factors", FACTORS[:2], "encoder", "the encoder's columns are not"),
        ("coef", [0.5], "coef", "coef has 1 values but there are 6 feature names"),
    ],
)
def test_a_bad_model_file_is_a_model_file_error_naming_the_place(
    case_model_file: Path, tmp_path: Path, field: str, value: Any, where: str, message: str
) -> None:
    path = _edited(case_model_file, tmp_path / "m.json", _set(field, value))
    error = _refusal(path)
    # a union's problems carry the branch after the place: classes.0.constrained-int
    assert any(
        (loc == where or loc.startswith(f"{where}.")) and message in msg
        for loc, msg in error.problems
    ), error.problems


def test_each_disagreement_is_listed_with_its_place(case_model_file: Path, tmp_path: Path) -> None:
    def edit(data: Doc) -> None:
        data["params"]["cut_points"] = [0.5, 0.2]
        data["params"]["band_labels"] = ["low", "high"]
        data["classes"] = [1, 0]

    error = _refusal(_edited(case_model_file, tmp_path / "m.json", edit))
    assert [loc for loc, _ in error.problems] == [
        "params.cut_points",
        "params.band_labels",
        "classes",
    ]


def test_a_lone_surrogate_has_no_canonical_form(table_model_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    text = table_model_file.read_text().replace('"a"', '"\\ud800"', 1)
    assert "\\ud800" in text
    path.write_text(text)
    error = _refusal(path)
    assert error.problems == [
        ("", error.problems[0][1]),
    ]
    assert "no canonical JSON form" in error.problems[0][1]


def test_a_table_model_may_have_any_two_classes(table_model_file: Path, tmp_path: Path) -> None:
    path = _edited(table_model_file, tmp_path / "m.json", _set("classes", ["no", "yes"]))
    model = load_model(path)
    assert model.classes_.tolist() == ["no", "yes"]
    assert model.predict(np.zeros((1, 3))).tolist() in (["no"], ["yes"])


def test_band_labels_that_were_an_index_error_are_refused_before_use(
    case_model_file: Path, tmp_path: Path
) -> None:
    # two labels for three bands: a high-band case used to fail with IndexError
    path = _edited(case_model_file, tmp_path / "m.json", _set("params.band_labels", ["a", "b"]))
    case = stalkrisk.load_example("EX-07")
    with pytest.raises(ModelFileError, match="band_labels"):
        ModelResult.from_model_file(path, case, outcome="continued stalking")


def test_saving_a_case_model_with_other_classes_is_refused() -> None:
    data = cohort(200, seed=4)
    encoder = CaseEncoder(FACTORS).fit(list(data.cases))
    y = np.asarray(data.outcomes) + 1  # 1 and 2
    model = LogisticRiskModel(random_state=0).fit(encoder.transform(list(data.cases)), y)
    with pytest.raises(ValueError, match=re.escape(CASE_MODEL_CLASSES)):
        model_sha256(model, encoder=encoder)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"band_labels": ("low", "mid", "=HYPERLINK(1)")}, "the 3rd is not an identifier"),
        ({"band_labels": ("Low", "mid", "high")}, "the 1st is not an identifier"),
        ({"band_labels": ("low", "low", "high")}, "two are the same"),
        ({"band_labels": "low,mid,high"}, "a sequence of identifiers"),
        ({"cut_points": ()}, "there are none"),
        ({"cut_points": (0.2, 0.2)}, "larger than the one before"),
        ({"cut_points": (math.nan,)}, "the 1st is not strictly between 0 and 1"),
        ({"cut_points": (0.2, math.inf)}, "the 2nd is not strictly between 0 and 1"),
        ({"cut_points": "0.2,0.5"}, "a sequence of numbers"),
        ({"cut_points": (0.2, True)}, "the 2nd is not a number"),
        # scikit-learn's parameter validation (_parameter_constraints): the rule, by name
        ({"C": 0.0}, "'C' parameter of LogisticRiskModel must be a float in the range (0.0, inf)"),
        ({"C": math.inf}, "'C' parameter of LogisticRiskModel must be a float in the range"),
        ({"cv": 1}, "'cv' parameter of LogisticRiskModel must be an int in the range [2, inf)"),
        ({"max_iter": 0}, "'max_iter' parameter of LogisticRiskModel must be an int"),
        ({"random_state": -1}, "'random_state' parameter of LogisticRiskModel must be an int"),
        ({"class_weight": "even"}, "'class_weight' parameter of LogisticRiskModel must be"),
    ],
)
def test_the_model_refuses_what_a_file_would_refuse_at_fit(
    params: dict[str, Any], message: str
) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        LogisticRiskModel(**params).fit(X, y)
    assert "HYPERLINK" not in str(info.value)
    if "band_labels" in params:
        assert str(info.value).startswith(BAD_BAND_LABELS)
    if "cut_points" in params:
        assert str(info.value).startswith(BAD_CUT_POINTS_PARAM)


def test_an_array_of_cut_points_and_a_list_of_labels_are_fine() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    model = LogisticRiskModel(cut_points=np.array([0.3, 0.6]), band_labels=["lo", "mid", "hi"])
    assert model.fit(X, y).bands == ("lo", "mid", "hi")


# -- A. the fuzz: whatever is done to a valid file, only ModelFileError comes out -------------

_JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([2**53, 2**53 + 1, -(2**63), 10**30, 10**400, 0, -1, 1, 2]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 0.5, 0.2, 1.0, 0.0]),
    st.text(max_size=20).map(lambda t: MARKER + t),
    st.sampled_from(
        [f'=HYPERLINK("{MARKER}")', f"+cmd|{MARKER}", "\ud800", "low", "stalkrisk-model/1"]
    ),
    st.lists(st.integers(-3, 3) | st.floats(0, 1), max_size=4),
    st.dictionaries(st.sampled_from(["a", "n", "slope"]), st.integers(-2, 2), max_size=2),
)


def _locations(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _locations(item, (*here, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _locations(item, (*here, i))
    return found


def _get(doc: Any, where: tuple[Any, ...]) -> Any:
    for step in where:
        doc = doc[step]
    return doc


def _mutate(doc: Doc, data: st.DataObject) -> Doc:
    where = data.draw(st.sampled_from(_locations(doc)[1:]), label="where")
    parent, key = _get(doc, where[:-1]), where[-1]
    value = parent[key]
    op = data.draw(
        st.sampled_from(["delete", "replace", "duplicate", "shorten", "lengthen", "nest", "scale"]),
        label="op",
    )
    if op == "delete":
        del parent[key]
    elif op == "replace":
        parent[key] = data.draw(_JUNK, label="value")
    elif op == "duplicate" and isinstance(value, list) and value:
        i = data.draw(st.integers(0, len(value) - 1))
        value.insert(i, copy.deepcopy(value[i]))
    elif op == "shorten" and isinstance(value, list) and value:
        del value[data.draw(st.integers(0, len(value) - 1)) :]
    elif op == "lengthen" and isinstance(value, list):
        value.extend(data.draw(st.lists(_JUNK, min_size=1, max_size=3)))
    elif op == "nest":
        depth = data.draw(st.integers(1, 100), label="depth")
        for _ in range(depth):
            value = data.draw(st.sampled_from([[value], {"a": value}]))
        parent[key] = value
    elif op == "scale" and isinstance(value, int | float) and not isinstance(value, bool):
        parent[key] = value * data.draw(st.sampled_from([-1, 1e300, 1e-300, 2**60]))
    return doc


def _check_loaded(model: LogisticRiskModel) -> None:
    """A model that loads is fully usable: its hash, its bands, its predictions."""
    encoder = getattr(model, "encoder_", None)
    assert len(model_sha256(model, encoder=encoder)) == 64
    assert len(model.bands) == len(model.cut_points) + 1
    first, second = model.classes_.tolist()
    assert type(first) is type(second)
    assert first < second
    if encoder is not None:
        assert model.classes_.tolist() == [0, 1]
        row = encoder.transform([stalkrisk.load_example("EX-01")])
    else:
        row = np.zeros((1, model.n_features_in_))
    # huge coefficients overflow, and a model fitted on named columns warns of a plain array;
    # neither is a failure to load
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        band = int(model.predict_band(row)[0])
    assert model.bands[band]


@pytest.mark.parametrize("which", ["case", "table"])
@given(data=st.data())
def test_load_model_raises_only_model_file_error(
    which: str,
    data: st.DataObject,
    case_model_file: Path,
    table_model_file: Path,
) -> None:
    source = case_model_file if which == "case" else table_model_file
    doc = json.loads(source.read_text())
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        doc = _mutate(doc, data)
    path = source.with_name(f"fuzzed-{which}.json")
    path.write_text(json.dumps(doc))  # NaN and Infinity stay (load_model reads them as NaN)
    error: ModelFileError | None = None
    try:
        model = load_model(path)
    except ModelFileError as exc:
        error = exc
    if error is None:
        _check_loaded(model)
    else:
        assert error.problems
        assert all(isinstance(loc, str) and msg for loc, msg in error.problems)
        assert MARKER not in str(error)


# -- B. one sha256 for a model ----------------------------------------------------------------


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


def test_a_report_and_a_batch_name_a_model_by_the_same_sha256(
    case_model_file: Path, tmp_path: Path
) -> None:
    case = stalkrisk.load_example("EX-01")
    model = load_model(case_model_file)
    expected = model_sha256(model, encoder=model.encoder_)
    # the canonical (RFC 8785) content of the file itself: any JCS library recomputes it
    assert expected == canonical_sha256(json.loads(case_model_file.read_text()))

    result = ModelResult.from_model_file(case_model_file, case, outcome="continued stalking")
    assert result.sha256 == expected
    (row,) = score_many([case], model=case_model_file)
    assert row.instrument is not None
    assert row.instrument.sha256 == expected

    # the same content, other whitespace and key order: the same name
    again = tmp_path / "respaced.json"
    again.write_text(json.dumps(_reversed_keys(json.loads(case_model_file.read_text())), indent=7))
    assert again.read_bytes() != case_model_file.read_bytes()
    assert next(iter(json.loads(again.read_text()))) == "encoder"
    assert ModelResult.from_model_file(again, case, outcome="continued stalking").sha256 == expected
    reloaded = load_model(again)
    assert model_sha256(reloaded, encoder=reloaded.encoder_) == expected


def test_the_sha256_follows_the_content(case_model_file: Path, tmp_path: Path) -> None:
    case = stalkrisk.load_example("EX-01")
    model = load_model(case_model_file)
    before = model_sha256(model, encoder=model.encoder_)
    edited = _edited(case_model_file, tmp_path / "m.json", _set("intercept", 0.125))
    result = ModelResult.from_model_file(edited, case, outcome="continued stalking")
    assert result.sha256 != before
    assert result.sha256 == canonical_sha256(json.loads(edited.read_text()))


def test_a_file_from_another_version_keeps_its_version_and_its_sha256(
    case_model_file: Path, tmp_path: Path
) -> None:
    path = _edited(case_model_file, tmp_path / "m.json", _set("library_version", "0.0.9"))
    model = load_model(path)
    assert model.library_version_ == "0.0.9"
    assert model_sha256(model, encoder=model.encoder_) == canonical_sha256(
        json.loads(path.read_text())
    )
    saved = save_model(model, tmp_path / "again.json", encoder=model.encoder_)
    assert saved.library_version == "0.0.9"


def test_a_fitted_model_records_the_version_that_fitted_it() -> None:
    model, encoder = _fit_on_cases()
    assert model.library_version_ == stalkrisk.__version__
    assert model_sha256(model, encoder=encoder) != model_sha256(model)  # the encoder counts
