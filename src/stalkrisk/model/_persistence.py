"""Saving and loading fitted models as JSON: schema-versioned, validated, never pickled."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stalkrisk._version import __version__
from stalkrisk.errors import ModelFileError
from stalkrisk.model._encoder import CaseEncoder
from stalkrisk.model._logistic import LogisticRiskModel

__all__ = ["MODEL_FORMAT", "ModelFile", "load_model", "save_model"]

#: The model-file format this version of the library writes and reads.
MODEL_FORMAT: Final = "stalkrisk-model/1"

Finite = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Params(_Strict):
    C: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    class_weight: Literal["balanced"] | dict[str, Finite] | None
    calibration: Literal["none", "sigmoid"]
    cv: Annotated[int, Field(ge=2)]
    cut_points: list[Annotated[float, Field(gt=0, lt=1)]]
    band_labels: list[str] | None
    max_iter: Annotated[int, Field(ge=1)]
    random_state: int | None


class _Calibration(_Strict):
    intercept: Finite
    slope: Finite
    folds: Annotated[int, Field(ge=2)]


class _Training(_Strict):
    n: Annotated[int, Field(ge=2)]
    base_rate: Annotated[float, Field(ge=0, le=1)]
    data_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class _EncoderSpec(_Strict):
    factors: list[str]
    unknown_indicators: bool


class ModelFile(_Strict):
    """The JSON content of a saved :class:`LogisticRiskModel` (format ``stalkrisk-model/1``)."""

    format: Literal["stalkrisk-model/1"]
    kind: Literal["logistic"]
    library_version: str
    params: _Params
    feature_names: Annotated[list[str], Field(min_length=1)]
    named_features: bool
    coef: list[Finite]
    intercept: Finite
    classes: Annotated[list[int | str], Field(min_length=2, max_length=2)]
    calibration: _Calibration | None
    training: _Training
    encoder: _EncoderSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ModelFile:
        if len(self.coef) != len(self.feature_names):
            raise ValueError(
                f"coef has {len(self.coef)} values but there are "
                f"{len(self.feature_names)} feature names"
            )
        if sorted(self.params.cut_points) != self.params.cut_points:
            raise ValueError("params.cut_points must be in increasing order")
        if self.encoder is not None:
            try:
                names = (
                    CaseEncoder(self.encoder.factors, self.encoder.unknown_indicators)
                    .fit([])
                    .get_feature_names_out()
                )
            except ValueError as exc:
                raise ValueError(f"encoder: {exc}") from None
            if list(names) != self.feature_names:
                raise ValueError(
                    "the encoder's columns are not the model's feature names (the model was "
                    "fitted on other features)"
                )
        return self


def save_model(
    model: LogisticRiskModel,
    path: str | os.PathLike[str],
    *,
    encoder: CaseEncoder | None = None,
    feature_names: Sequence[str] | None = None,
) -> ModelFile:
    """Write a fitted model (and the encoder that made its features, if any) as JSON.

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
    Path(path).write_text(content.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return content


def model_sha256(
    model: LogisticRiskModel,
    *,
    encoder: CaseEncoder | None = None,
    feature_names: Sequence[str] | None = None,
) -> str:
    """Return the sha256 of the model's saved content (compact JSON, keys sorted).

    The same model, encoder and library version always give the same hash, so batch rows
    and reports can name exactly which model scored them.
    """
    content = model_file(model, encoder=encoder, feature_names=feature_names)
    text = json.dumps(content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
        library_version=__version__,
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
    if content.encoder is not None:
        model.encoder_ = CaseEncoder(
            content.encoder.factors, content.encoder.unknown_indicators
        ).fit([])
    return model


def load_model(path: str | os.PathLike[str]) -> LogisticRiskModel:
    """Read a model written by :func:`save_model`, validating every field.

    A model saved with its encoder gets it back as ``model.encoder_``, so cases can be scored.

    Raises
    ------
    ModelFileError
        If the file cannot be read, is not JSON, or does not describe a valid model (every
        problem is listed with its location).
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
        data: Any = json.loads(text, parse_constant=lambda c: math.nan)
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(source, [("", f"cannot read the file: {exc}")]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise ModelFileError(source, [(where, f"not valid JSON: {exc.msg}")]) from None
    try:
        content = ModelFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors(include_input=False, include_url=False)
        ]
        raise ModelFileError(source, problems) from None
    return _restore(content)
