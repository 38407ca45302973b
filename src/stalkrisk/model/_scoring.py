"""Scoring cases with a fitted model: the one path the CLI, reports, batches and the API take."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field

from stalkrisk.assessment import LOCALLY_FITTED_STATEMENT
from stalkrisk.instruments import ValidationStatus
from stalkrisk.model._encoder import CaseEncoder
from stalkrisk.model._logistic import BandsAndTop, LogisticRiskModel
from stalkrisk.model._persistence import load_model, model_sha256
from stalkrisk.schemas import Case

__all__ = ["NO_CASE_ENCODER", "CaseModel", "ModelScore", "score_case", "score_cases"]

#: Why a model without a case encoder cannot score cases.
NO_CASE_ENCODER: Final = (
    "the model was fitted on a table of numbers, not on cases, so it cannot score cases; "
    "save it with its encoder (save_model(model, path, encoder=...)) and load it"
)


class ModelScore(BaseModel):
    """A fitted model's probability and band for one case, and the model that gave them.

    Made by :func:`score_case`, :func:`score_cases` and :meth:`CaseModel.score`: the one path
    by which ``stalkrisk score --model``, reports (:meth:`stalkrisk.report.ModelResult.
    from_model_file`), batches (``score_many(..., model=...)``) and Python code score a case
    with a model, so each gives the same numbers and names the model by the same
    ``model_sha256``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str
    """The case's pseudonymous id."""
    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    """The model's probability of the outcome, 0 to 1."""
    band: str
    """The model's band for this probability (cut at the model's ``cut_points``)."""
    top_contributions: tuple[tuple[str, float], ...]
    """The largest contributions on the log-odds scale, ``(feature, value)``, largest absolute
    value first (ties to the earlier feature); features that contribute nothing are left out."""
    model_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    """The model's identity: :func:`~stalkrisk.model.model_sha256` of the model and its
    encoder, the sha256 of its file's content in canonical JSON (RFC 8785)."""
    validation_status: ValidationStatus = ValidationStatus.LOCALLY_FITTED
    """How far the model's weights are validated: fitted to local outcomes, not validated
    until checked on other cases (:data:`stalkrisk.LOCALLY_FITTED_STATEMENT`)."""

    @property
    def validation_statement(self) -> str:
        """What must be shown wherever the probability is shown."""
        return LOCALLY_FITTED_STATEMENT


class CaseModel:
    """A fitted :class:`LogisticRiskModel` with the encoder that makes its features from cases.

    The model's identity (``sha256``) is computed once, when it is made; every case scored
    through it is named by it.

    Parameters
    ----------
    model : LogisticRiskModel
        A fitted model, on the columns of ``encoder``.
    encoder : CaseEncoder, optional
        The encoder that made its features; by default the model's own ``encoder_`` (a model
        loaded by :func:`~stalkrisk.model.load_model` from a file saved with its encoder).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`LogisticRiskModel`.
    ValueError
        If there is no encoder (:data:`NO_CASE_ENCODER`), or the model was not fitted on the
        encoder's columns.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.model import CaseEncoder, CaseModel, LogisticRiskModel
    >>> cases = stalkrisk.load_examples()
    >>> factors = ["stalking_harassment_convictions", "protective_order_breaches"]
    >>> encoder = CaseEncoder(factors).fit(cases)
    >>> model = LogisticRiskModel(random_state=0).fit(encoder.transform(cases), [1, 0] * 5)
    >>> scored = CaseModel(model, encoder).score(cases[:1])[0]
    >>> scored.band, scored.top_contributions[0][0], len(scored.model_sha256)
    ('high', 'stalking_harassment_convictions', 64)
    """

    def __init__(self, model: LogisticRiskModel, encoder: CaseEncoder | None = None) -> None:
        if not isinstance(model, LogisticRiskModel):
            raise TypeError("model must be a LogisticRiskModel (or the path of a saved model)")
        encoder = encoder if encoder is not None else getattr(model, "encoder_", None)
        if encoder is None:
            raise ValueError(NO_CASE_ENCODER)
        if not isinstance(encoder, CaseEncoder):
            raise TypeError("encoder must be a CaseEncoder")
        columns = [str(n) for n in encoder.get_feature_names_out()]
        if getattr(model, "n_features_in_", None) != len(columns):
            raise ValueError(
                "the model was not fitted on the encoder's columns "
                f"({len(columns)} columns; the model takes "
                f"{getattr(model, 'n_features_in_', 'no')} features)"
            )
        self.model: LogisticRiskModel = model
        """The fitted model."""
        self.encoder: CaseEncoder = encoder
        """The encoder that makes the model's features from cases."""
        self.sha256: str = model_sha256(model, encoder=encoder)
        """The model's identity (:func:`~stalkrisk.model.model_sha256`), computed once."""
        self.bands: tuple[str, ...] = model.bands
        """The model's band labels, lowest first."""
        self.feature_names: tuple[str, ...] = tuple(columns)
        """The encoder's columns, the model's features."""

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CaseModel:
        """Read a model saved with its encoder (:func:`~stalkrisk.model.save_model`).

        Raises
        ------
        stalkrisk.ModelFileError
            If the file is not a valid model file.
        ValueError
            If the model was saved without its encoder (:data:`NO_CASE_ENCODER`).
        """
        return cls(load_model(path))

    @classmethod
    def of(cls, model: CaseModel | LogisticRiskModel | str | os.PathLike[str]) -> CaseModel:
        """Return ``model`` as a :class:`CaseModel`: itself, wrapped, or loaded from a path."""
        if isinstance(model, CaseModel):
            return model
        if isinstance(model, str | os.PathLike):
            return cls.load(model)
        return cls(model)

    def predict(self, cases: Sequence[Case], top: int = 3) -> BandsAndTop:
        """Return the probabilities, bands and largest contributions of many cases, as arrays.

        What :meth:`score` and the batch scorer read: the cases are encoded, then
        :meth:`LogisticRiskModel.predict_bands_and_top` scores them (each case's numbers do
        not depend on the others scored with it). Features are named by the encoder's
        columns.
        """
        x = self.encoder.transform(cases)
        result = self.model.predict_bands_and_top(x, n=min(top, x.shape[1]))
        # named by the encoder's columns, also for a model fitted on its bare matrix
        return dataclasses.replace(result, feature_names=self.feature_names)

    def score(self, cases: Sequence[Case], top: int = 3) -> list[ModelScore]:
        """Return each case's :class:`ModelScore`, in order."""
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ValueError("top must be an integer of at least 0")
        cases = list(cases)
        if not cases:
            return []
        result = self.predict(cases, top)
        names = result.feature_names
        return [
            ModelScore(
                case_id=case.case_id,
                probability=probability,
                band=self.bands[band],
                top_contributions=tuple(
                    (names[k], value) for k, value in zip(order, values, strict=True) if value
                ),
                model_sha256=self.sha256,
            )
            for case, probability, band, order, values in zip(
                cases,
                result.probability.tolist(),
                result.band.tolist(),
                result.top.tolist(),
                result.top_value.tolist(),
                strict=True,
            )
        ]


def score_cases(
    model: CaseModel | LogisticRiskModel | str | os.PathLike[str],
    cases: Sequence[Case],
    *,
    top: int = 3,
) -> list[ModelScore]:
    """Score cases with a fitted model: each case's probability, band and largest contributions.

    The one way stalkrisk scores cases with a model: ``stalkrisk score --model``, reports
    (:meth:`stalkrisk.report.ModelResult.from_model_file`) and batches
    (:func:`stalkrisk.score_many` with ``model=``) all come here, so the same model and case
    give the same numbers and the same ``model_sha256`` everywhere.

    Parameters
    ----------
    model : CaseModel, LogisticRiskModel or path
        A model with its case encoder: a :class:`CaseModel`, a :class:`LogisticRiskModel`
        loaded from a file saved with its encoder, or the path of such a file.
    cases : sequence of Case
        The cases to score.
    top : int, default 3
        How many of the largest log-odds contributions to keep per case.

    Returns
    -------
    list of ModelScore
        One per case, in order.

    Raises
    ------
    stalkrisk.ModelFileError
        If ``model`` is a path to a file that is not a valid model file.
    ValueError
        If the model has no case encoder, or ``top`` is negative.

    Examples
    --------
    >>> import stalkrisk, tempfile
    >>> from stalkrisk.model import CaseEncoder, CaseModel, LogisticRiskModel, save_model
    >>> from stalkrisk.model import score_cases
    >>> cases = stalkrisk.load_examples()
    >>> factors = ["stalking_harassment_convictions", "protective_order_breaches"]
    >>> encoder = CaseEncoder(factors).fit(cases)
    >>> model = LogisticRiskModel(random_state=0).fit(encoder.transform(cases), [1, 0] * 5)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = save_model(model, f"{folder}/model.json", encoder=encoder)
    ...     from_file = score_cases(f"{folder}/model.json", cases)
    >>> from_file == CaseModel(model, encoder).score(cases)
    True
    >>> [s.band for s in from_file[:3]]
    ['high', 'moderate', 'moderate']
    """
    return CaseModel.of(model).score(cases, top)


def score_case(
    model: CaseModel | LogisticRiskModel | str | os.PathLike[str],
    case: Case,
    *,
    top: int = 3,
) -> ModelScore:
    """Score one case with a fitted model: :func:`score_cases` of one case.

    Examples
    --------
    >>> import stalkrisk
    >>> from stalkrisk.model import CaseEncoder, CaseModel, LogisticRiskModel, score_case
    >>> cases = stalkrisk.load_examples()
    >>> encoder = CaseEncoder(["protective_order_breaches"]).fit(cases)
    >>> model = LogisticRiskModel(random_state=0).fit(encoder.transform(cases), [1, 0] * 5)
    >>> score_case(CaseModel(model, encoder), cases[0]).case_id
    'EX-01'
    """
    return score_cases(model, [case], top=top)[0]
