"""A model's probability for one case, passed to a report as plain data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from stalkrisk.assessment import LOCALLY_FITTED_STATEMENT
from stalkrisk.schemas import Case

__all__ = ["LOCALLY_FITTED_STATEMENT", "ModelResult"]


class ModelResult(BaseModel):
    """A model's outcome probability for one case, with what produced it.

    A report shows it beside the instrument's bands, never instead of them. Build it from any
    model's output, or with :meth:`from_model_file` for a model saved by ``stalkrisk fit``.

    Examples
    --------
    >>> r = ModelResult(probability=0.31, outcome="continued stalking within 12 months",
    ...                 model_id="service-model-2024", sha256="0" * 64,
    ...                 validation="Fitted to 2019-2023 referrals; not validated elsewhere.")
    >>> f"{r.percent:.0f}%"
    '31%'
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    probability: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    """The estimated probability of the outcome, 0 to 1."""
    outcome: Annotated[str, StringConstraints(min_length=3, max_length=200)]
    """What the probability is of, e.g. ``"continued stalking within 12 months"``."""
    model_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    """Which model: a name or file name."""
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    """What identifies the fitted model: for a saved model, the sha256 of its content in
    canonical JSON (``stalkrisk.model.model_sha256``), the one batch rows name too."""
    validation: Annotated[str, StringConstraints(min_length=10, max_length=2000)]
    """How far the model has been validated, in words; shown wherever the probability is."""
    band: str | None = None
    """The model's band for this probability, if it has bands."""
    top_contributions: tuple[tuple[str, float], ...] = ()
    """The largest log-odds contributions (feature, value), largest first (features that
    contribute nothing left out)."""

    @property
    def percent(self) -> float:
        """The probability as a percentage."""
        return 100.0 * self.probability

    @classmethod
    def from_model_file(
        cls,
        path: str | os.PathLike[str],
        case: Case,
        *,
        outcome: str,
        validation: str = LOCALLY_FITTED_STATEMENT,
        n_contributions: int = 3,
    ) -> ModelResult:
        """Load a model saved by ``stalkrisk fit`` (needs ``[ml]``) and score one case.

        The case is scored by :func:`stalkrisk.model.score_case`, the path every command
        scores a case with a model by, so the report shows the numbers and the
        ``model_sha256`` that ``stalkrisk score --model`` and batch rows show.

        Parameters
        ----------
        path : path
            The model file (JSON, format ``stalkrisk-model/1``). It is named by
            ``stalkrisk.model.model_sha256`` of the loaded model and its encoder: the sha256 of
            its content in canonical JSON (RFC 8785), as batch rows name it, whatever the
            file's whitespace or key order.
        case : Case
            The case to predict.
        outcome : str
            What the model predicts, in words.
        validation : str
            How far the model has been validated.
        n_contributions : int
            How many of the largest log-odds contributions to keep.

        Raises
        ------
        ImportError
            Without the ``[ml]`` extra.
        stalkrisk.ModelFileError
            If the file is not a valid model file.
        ValueError
            If the model was fitted on a table of numbers rather than on cases.
        """
        from stalkrisk.model import score_case  # noqa: PLC0415 - the [ml] extra is optional

        scored = score_case(path, case, top=n_contributions)
        return cls(
            probability=scored.probability,
            outcome=outcome,
            model_id=Path(path).name,
            sha256=scored.model_sha256,
            validation=validation,
            band=scored.band,
            top_contributions=scored.top_contributions,
        )
