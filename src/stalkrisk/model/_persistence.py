"""Saving and loading fitted models as JSON: schema-versioned, validated, never pickled."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from stalkrisk._internal import documents
from stalkrisk._internal.canonical import canonical_json, canonical_sha256
from stalkrisk._internal.files import atomic_write
from stalkrisk._version import __version__
from stalkrisk.bands import Identifier
from stalkrisk.errors import ModelFileError
from stalkrisk.features import FACTORS
from stalkrisk.model._encoder import CaseEncoder
from stalkrisk.model._logistic import (
    BAD_BAND_LABELS,
    BAD_CUT_POINTS_PARAM,
    LogisticRiskModel,
    band_labels_problem,
    cut_points_problem,
)

__all__ = [
    "MODEL_FORMAT",
    "ModelFile",
    "is_model_file",
    "load_model",
    "model_sha256",
    "save_model",
]

#: The model-file format this version of the library writes and reads.
MODEL_FORMAT: Final = "stalkrisk-model/1"
#: The largest model file read.
MAX_MODEL_FILE_BYTES: Final = 16 * 1024 * 1024

#: A model that scores cases (saved with its encoder) predicts outcomes coded 0 and 1.
CASE_MODEL_CLASSES: Final = "a model saved with its encoder scores cases, so its classes are [0, 1]"
CASE_MODEL_NAMED: Final = (
    "a model saved with its encoder is fitted on the encoder's matrix (encoder.transform), "
    "not on named columns, so named_features is false"
)
UNKNOWN_FACTOR_IN_FILE: Final = (
    "not a registered factor (`stalkrisk factors` lists them); the model was saved by another "
    "version of stalkrisk, or the file was edited"
)
BAD_CLASSES: Final = (
    "classes must be two different values of one type (integers or text), in increasing order "
    "as fitting leaves them; the second is the outcome"
)

# The largest integer a JSON number holds exactly (RFC 8785): every integer in a model file is
# within it, so the file always has a canonical form (and a sha256).
_JSON_INT: Final = 2**53
Finite = Annotated[float, Field(allow_inf_nan=False)]
JsonInt = Annotated[int, Field(ge=-_JSON_INT, le=_JSON_INT)]
Count = Annotated[int, Field(ge=1, le=_JSON_INT)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Params(_Strict):
    C: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    class_weight: Literal["balanced"] | dict[str, Finite] | None
    calibration: Literal["none", "sigmoid"]
    cv: Annotated[int, Field(ge=2, le=_JSON_INT)]
    cut_points: Annotated[
        list[Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]], Field(min_length=1)
    ]
    # Identifiers, as band ids are: a label reaches CSV cells, reports and instruments.
    band_labels: list[Identifier] | None
    max_iter: Count
    random_state: Annotated[int, Field(ge=0, le=2**32 - 1)] | None  # scikit-learn's seeds


class _Calibration(_Strict):
    intercept: Finite
    slope: Finite
    folds: Annotated[int, Field(ge=2, le=_JSON_INT)]


class _Training(_Strict):
    n: Annotated[int, Field(ge=2, le=_JSON_INT)]
    base_rate: Annotated[float, Field(ge=0, le=1)]
    data_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _EncoderSpec(_Strict):
    factors: list[str]
    unknown_indicators: bool


class ModelFile(_Strict):
    """The JSON content of a saved :class:`LogisticRiskModel` (format ``stalkrisk-model/1``).

    Besides each field's own rule, the fields must agree: one coefficient per feature name;
    cut-points strictly increasing; one band label more than cut-points, all different; two
    different classes in increasing order; and for a model saved with its encoder (a model
    that scores cases), classes ``[0, 1]``, ``named_features`` false, and the encoder's
    columns are the feature names. ``library_version`` is the stalkrisk version
    that fitted the model.
    """

    format: Literal["stalkrisk-model/1"]
    kind: Literal["logistic"]
    library_version: Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z.+!_-]{0,63}$")]
    params: _Params
    feature_names: Annotated[list[str], Field(min_length=1)]
    named_features: bool
    coef: list[Finite]
    intercept: Finite
    classes: Annotated[list[JsonInt | str], Field(min_length=2, max_length=2)]
    calibration: _Calibration | None
    training: _Training
    encoder: _EncoderSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ModelFile:
        problems = _disagreements(self)
        if problems:
            # The problems travel in the error's context, so load_model can list each one
            # with its location.
            raise PydanticCustomError(
                "model_file_inconsistent",
                "{summary}",
                {
                    "summary": "; ".join(f"{loc}: {msg}" for loc, msg in problems),
                    "problems": problems,
                },
            )
        return self


def _disagreements(content: ModelFile) -> list[tuple[str, str]]:
    """Return ``(location, message)`` for each way the fields of ``content`` disagree."""
    problems: list[tuple[str, str]] = []
    if len(content.coef) != len(content.feature_names):
        problems.append(
            (
                "coef",
                f"coef has {len(content.coef)} values but there are "
                f"{len(content.feature_names)} feature names",
            )
        )
    params = content.params
    reason = cut_points_problem(params.cut_points)
    if reason is not None:
        problems.append(("params.cut_points", f"{BAD_CUT_POINTS_PARAM}; {reason}"))
    if params.band_labels is not None:
        reason = band_labels_problem(params.band_labels, len(params.cut_points))
        if reason is not None:
            problems.append(("params.band_labels", f"{BAD_BAND_LABELS}; {reason}"))
    first, second = content.classes
    if type(first) is not type(second) or not first < second:  # type: ignore[operator]
        problems.append(("classes", BAD_CLASSES))
    elif content.encoder is not None and content.classes != [0, 1]:
        problems.append(("classes", CASE_MODEL_CLASSES))
    if content.encoder is not None and content.named_features:
        problems.append(("named_features", CASE_MODEL_NAMED))
    if content.encoder is not None:
        factors = content.encoder.factors
        unknown = [i for i, name in enumerate(factors) if name not in FACTORS]
        problems += [(f"encoder.factors.{i}", UNKNOWN_FACTOR_IN_FILE) for i in unknown[:5]]
        if len(set(factors)) != len(factors):
            problems.append(("encoder.factors", "a factor is named twice"))
        elif not unknown:
            encoder = CaseEncoder(factors, content.encoder.unknown_indicators).fit([])
            if list(encoder.get_feature_names_out()) != content.feature_names:
                problems.append(
                    (
                        "encoder",
                        "the encoder's columns are not the model's feature names (the model was "
                        "fitted on other features)",
                    )
                )
    return problems


def save_model(
    model: LogisticRiskModel,
    path: str | os.PathLike[str],
    *,
    encoder: CaseEncoder | None = None,
    feature_names: Sequence[str] | None = None,
) -> ModelFile:
    """Write a fitted model (and the encoder that made its features, if any) as JSON.

    Raises
    ------
    pydantic.ValidationError
        (a ``ValueError``) If the content breaks a rule of :class:`ModelFile`: for example a
        model saved with its encoder must be fitted on outcomes 0 and 1, on the encoder's
        matrix rather than on named columns.

    Examples
    --------
    >>> import tempfile
    >>> rng = np.random.default_rng(1)
    >>> X = rng.integers(0, 3, size=(200, 2)).astype(float)
    >>> y = (X[:, 0] + rng.normal(size=200) > 1).astype(int)
    >>> model = LogisticRiskModel(random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = save_model(model, f"{folder}/m.json")
    ...     again = load_model(f"{folder}/m.json")
    >>> bool(np.array_equal(again.predict_proba(X), model.predict_proba(X)))
    True
    """
    content = model_file(model, encoder=encoder, feature_names=feature_names)
    atomic_write(path, content.model_dump_json(indent=2) + "\n")
    return content


def model_sha256(
    model: LogisticRiskModel,
    *,
    encoder: CaseEncoder | None = None,
    feature_names: Sequence[str] | None = None,
) -> str:
    """Return the sha256 of the model's file content, in canonical JSON (RFC 8785).

    The hash is of the content :func:`save_model` writes (``ModelFile.model_dump(mode="json")``)
    in the canonical form of :func:`stalkrisk._internal.canonical.canonical_sha256`, so it does
    not depend on the file's whitespace or key order, and any RFC 8785 library recomputes it
    from the file. The same model and encoder always give the same hash, so batch rows and
    reports (:meth:`stalkrisk.report.ModelResult.from_model_file`) name a model alike.

    Parameters
    ----------
    model : LogisticRiskModel
        A fitted (or loaded) model.
    encoder : CaseEncoder, optional
        The encoder that makes its features from cases (a loaded model's ``encoder_``).
    feature_names : sequence of str, optional
        The feature names of a model fitted on an unnamed table, as given to :func:`save_model`.

    Returns
    -------
    str
        64 lower-case hexadecimal digits.

    Raises
    ------
    pydantic.ValidationError
        (a ``ValueError``) If the model could not be saved (see :func:`save_model`). A model
        returned by :func:`load_model` always has a hash.

    Examples
    --------
    >>> import tempfile
    >>> rng = np.random.default_rng(1)
    >>> X = rng.integers(0, 3, size=(200, 2)).astype(float)
    >>> y = (X[:, 0] + rng.normal(size=200) > 1).astype(int)
    >>> model = LogisticRiskModel(random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = save_model(model, f"{folder}/m.json")
    ...     again = load_model(f"{folder}/m.json")
    >>> model_sha256(again) == model_sha256(model)
    True
    """
    content = model_file(model, encoder=encoder, feature_names=feature_names)
    return canonical_sha256(content.model_dump(mode="json"))


def model_file(
    model: LogisticRiskModel,
    *,
    encoder: CaseEncoder | None = None,
    feature_names: Sequence[str] | None = None,
) -> ModelFile:
    """Return the content :func:`save_model` writes, without writing it."""
    named = hasattr(model, "feature_names_in_")
    if encoder is not None:
        names = [str(n) for n in encoder.get_feature_names_out()]
    elif feature_names is not None:
        names = [str(n) for n in feature_names]
    else:
        names = model._feature_names()
    return ModelFile(
        format=MODEL_FORMAT,
        kind="logistic",
        # the version that fitted the model (a loaded model keeps its file's), so saving a
        # loaded model again writes the same content and the same sha256
        library_version=getattr(model, "library_version_", __version__),
        params=_Params(
            C=float(model.C),
            class_weight=model.class_weight,  # type: ignore[arg-type]
            calibration=model.calibration,  # type: ignore[arg-type]
            cv=model.cv,
            cut_points=[float(c) for c in model.cut_points],
            band_labels=None if model.band_labels is None else list(model.band_labels),
            max_iter=model.max_iter,
            random_state=model.random_state,
        ),
        feature_names=names,
        named_features=named,
        coef=[float(c) for c in model.coef_],
        intercept=float(model.intercept_),
        classes=[c.item() if hasattr(c, "item") else c for c in model.classes_],
        calibration=model.calibration_,  # type: ignore[arg-type]
        training=model.training_,  # type: ignore[arg-type]
        encoder=None
        if encoder is None
        else _EncoderSpec(
            factors=list(encoder.factors_), unknown_indicators=encoder.unknown_indicators
        ),
    )


def _restore(content: ModelFile) -> LogisticRiskModel:
    p = content.params
    model = LogisticRiskModel(
        C=p.C,
        class_weight=p.class_weight,
        calibration=p.calibration,
        cv=p.cv,
        cut_points=tuple(p.cut_points),
        band_labels=None if p.band_labels is None else tuple(p.band_labels),
        max_iter=p.max_iter,
        random_state=p.random_state,
    )
    model.coef_ = np.asarray(content.coef, dtype=np.float64)
    model.intercept_ = content.intercept
    model.classes_ = np.asarray(content.classes)
    model.n_features_in_ = len(content.coef)
    if content.named_features:
        model.feature_names_in_ = np.asarray(content.feature_names, dtype=object)
    else:  # names for explanations, without making scikit-learn expect a DataFrame
        model.feature_names_ = list(content.feature_names)
    model.calibration_ = None if content.calibration is None else content.calibration.model_dump()
    model.training_ = content.training.model_dump()
    model.library_version_ = content.library_version
    if content.encoder is not None:
        model.encoder_ = CaseEncoder(
            content.encoder.factors, content.encoder.unknown_indicators
        ).fit([])
    return model


_NAME_LIKE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")


def _location(loc: Sequence[str | int]) -> str:
    """Return a problem's place, with a key that does not look like a field name as ``?``."""
    return ".".join(str(p) if isinstance(p, int) or _NAME_LIKE.fullmatch(p) else "?" for p in loc)


def is_model_file(path: str | os.PathLike[str]) -> bool:
    """Return whether ``path`` is a saved model rather than something else (an instrument).

    True for a readable ``.json`` file holding a JSON object whose ``format`` is a stalkrisk
    model format (``stalkrisk-model/...``), valid or not: :func:`load_model` then says what is
    wrong with it. ``stalkrisk evaluate`` uses it to tell a model from an instrument.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "m.json")
    ...     _ = path.write_text('{"format": "stalkrisk-model/1"}')
    ...     is_model_file(path), is_model_file(pathlib.Path(folder, "missing.json"))
    (True, False)
    """
    source = Path(path)
    if source.suffix.lower() != ".json" or not source.is_file():
        return False
    try:
        head = documents.read_document(source, max_bytes=MAX_MODEL_FILE_BYTES)
    except documents.DocumentError:
        return False
    return isinstance(head, dict) and str(head.get("format", "")).startswith("stalkrisk-model/")


def load_model(path: str | os.PathLike[str]) -> LogisticRiskModel:
    """Read a model written by :func:`save_model`, validating every field.

    A model saved with its encoder gets it back as ``model.encoder_``, so cases can be scored.

    Raises
    ------
    ModelFileError
        If the file cannot be read, is not JSON, or does not describe a valid model (every
        problem is listed with its location). No other exception comes from the content of
        the file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "m.json")
    ...     _ = path.write_text('{"format": "stalkrisk-model/1"}')
    ...     load_model(path)
    Traceback (most recent call last):
    ...
    stalkrisk.errors.ModelFileError: .../m.json: not a valid stalkrisk model file
      kind: Field required
    ...
    """
    source = os.fspath(path)
    try:
        text = documents.read_text(source, max_bytes=MAX_MODEL_FILE_BYTES, what="a model file")
    except documents.DocumentError as exc:
        raise ModelFileError(source, [("", f"cannot read the file: {exc.message}")]) from None
    try:
        data: Any = documents.parse_json(text)
    except documents.DocumentError as exc:
        raise ModelFileError(source, [(exc.where or "", exc.detail)]) from None
    try:
        # strict: a number is not read from text, nor a boolean as an integer
        content = ModelFile.model_validate(data, strict=True)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for e in exc.errors(include_input=False, include_url=False):
            listed = (e.get("ctx") or {}).get("problems")
            if e["type"] == "model_file_inconsistent" and listed:
                problems += [(str(loc), str(msg)) for loc, msg in listed]
            else:
                problems.append((_location(e["loc"]), e["msg"]))
        raise ModelFileError(source, problems) from None
    try:
        canonical_json(content)  # what model_sha256 hashes: it must exist
    except (ValueError, TypeError) as exc:
        problem = ("", f"the content has no canonical JSON form: {exc}")
        raise ModelFileError(source, [problem]) from None
    return _restore(content)
