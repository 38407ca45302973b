"""stalkrisk: transparent, explainable risk assessment for stalking cases.

stalkrisk turns a structured description of a stalking case (:class:`Case`) into named factors,
instrument items, points per scale and risk bands, showing every contribution and every unknown.
It supports a professional's judgement; it never makes a decision.

Examples
--------
>>> import stalkrisk
>>> case = stalkrisk.load_example("EX-01")
>>> assessment = stalkrisk.score(case)
>>> assessment.scale("serious_harm").band.label
'Many factors or a red flag'
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from stalkrisk._version import __version__

if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ below
    from stalkrisk.assessment import (
        DECISION_SUPPORT_NOTICE,
        LOCALLY_FITTED_STATEMENT,
        Assessment,
        Contribution,
        HorizonResult,
        InstrumentRef,
        Override,
        OverrideReason,
        RedFlagResult,
        ScaleResult,
        ScaleRole,
        ScaleStatus,
        ShownFactorResult,
    )
    from stalkrisk.audit import (
        RECORD_FORMAT,
        AssessmentRecord,
        Difference,
        RecordSignature,
        canonical_json,
        input_sha256,
        record_json_schema,
        verify,
    )
    from stalkrisk.bands import (
        Band,
        BandSpec,
        band_index,
    )
    from stalkrisk.batch import (
        BatchRow,
        BatchSummary,
        score_many,
        write_csv,
        write_jsonl,
    )
    from stalkrisk.changes import (
        Changes,
        compare,
    )
    from stalkrisk.errors import (
        CaseFileError,
        InstrumentError,
        InstrumentFileError,
        KeyFileError,
        ModelFileError,
        ReportIncompleteError,
        StalkriskError,
        UnknownFactorError,
        UnknownInstrumentError,
    )
    from stalkrisk.examples import (
        example_ids,
        load_example,
        load_examples,
    )
    from stalkrisk.explain import (
        explain,
        render_text,
    )
    from stalkrisk.features import (
        FACTORS,
        Factor,
        FactorKind,
        FactorValue,
        evaluate_factors,
        get_factor,
    )
    from stalkrisk.instruments import (
        DEFAULT_INSTRUMENT,
        Instrument,
        bundled_instruments,
        instrument_from_data,
        instrument_json_schema,
        load_instrument,
    )
    from stalkrisk.judgement import (
        Judgement,
        judgement_json_schema,
    )
    from stalkrisk.schemas import (
        SCHEMA_VERSION,
        Case,
        ItemAnswers,
        Presence,
        case_json_schema,
    )
    from stalkrisk.scoring import (
        BatchScores,
        ScaleScores,
        WeightedScorer,
        score,
        score_answers,
    )

#: Where each public name is defined: imported on first use (PEP 562, as pydantic does).
_LAZY: dict[str, str] = {
    "Assessment": "stalkrisk.assessment",
    "AssessmentRecord": "stalkrisk.audit",
    "Band": "stalkrisk.bands",
    "band_index": "stalkrisk.bands",
    "BandSpec": "stalkrisk.bands",
    "BatchRow": "stalkrisk.batch",
    "BatchScores": "stalkrisk.scoring",
    "BatchSummary": "stalkrisk.batch",
    "bundled_instruments": "stalkrisk.instruments",
    "canonical_json": "stalkrisk.audit",
    "Case": "stalkrisk.schemas",
    "case_json_schema": "stalkrisk.schemas",
    "CaseFileError": "stalkrisk.errors",
    "Changes": "stalkrisk.changes",
    "compare": "stalkrisk.changes",
    "Contribution": "stalkrisk.assessment",
    "DECISION_SUPPORT_NOTICE": "stalkrisk.assessment",
    "DEFAULT_INSTRUMENT": "stalkrisk.instruments",
    "Difference": "stalkrisk.audit",
    "evaluate_factors": "stalkrisk.features",
    "example_ids": "stalkrisk.examples",
    "explain": "stalkrisk.explain",
    "Factor": "stalkrisk.features",
    "FactorKind": "stalkrisk.features",
    "FACTORS": "stalkrisk.features",
    "FactorValue": "stalkrisk.features",
    "get_factor": "stalkrisk.features",
    "HorizonResult": "stalkrisk.assessment",
    "input_sha256": "stalkrisk.audit",
    "Instrument": "stalkrisk.instruments",
    "instrument_from_data": "stalkrisk.instruments",
    "instrument_json_schema": "stalkrisk.instruments",
    "InstrumentError": "stalkrisk.errors",
    "InstrumentFileError": "stalkrisk.errors",
    "InstrumentRef": "stalkrisk.assessment",
    "ItemAnswers": "stalkrisk.schemas",
    "Judgement": "stalkrisk.judgement",
    "judgement_json_schema": "stalkrisk.judgement",
    "KeyFileError": "stalkrisk.errors",
    "load_example": "stalkrisk.examples",
    "load_examples": "stalkrisk.examples",
    "load_instrument": "stalkrisk.instruments",
    "LOCALLY_FITTED_STATEMENT": "stalkrisk.assessment",
    "ModelFileError": "stalkrisk.errors",
    "ReportIncompleteError": "stalkrisk.errors",
    "Override": "stalkrisk.assessment",
    "OverrideReason": "stalkrisk.assessment",
    "Presence": "stalkrisk.schemas",
    "RECORD_FORMAT": "stalkrisk.audit",
    "record_json_schema": "stalkrisk.audit",
    "RecordSignature": "stalkrisk.audit",
    "RedFlagResult": "stalkrisk.assessment",
    "render_text": "stalkrisk.explain",
    "ScaleResult": "stalkrisk.assessment",
    "ScaleRole": "stalkrisk.assessment",
    "ScaleScores": "stalkrisk.scoring",
    "ScaleStatus": "stalkrisk.assessment",
    "ShownFactorResult": "stalkrisk.assessment",
    "SCHEMA_VERSION": "stalkrisk.schemas",
    "score": "stalkrisk.scoring",
    "score_answers": "stalkrisk.scoring",
    "score_many": "stalkrisk.batch",
    "StalkriskError": "stalkrisk.errors",
    "UnknownFactorError": "stalkrisk.errors",
    "UnknownInstrumentError": "stalkrisk.errors",
    "verify": "stalkrisk.audit",
    "WeightedScorer": "stalkrisk.scoring",
    "write_csv": "stalkrisk.batch",
    "write_jsonl": "stalkrisk.batch",
}
#: The public submodules, also reachable as attributes (``stalkrisk.model`` needs ``[ml]``).
_SUBMODULES: frozenset[str] = frozenset(
    {
        "assessment",
        "audit",
        "bands",
        "batch",
        "changes",
        "cli",
        "errors",
        "examples",
        "explain",
        "features",
        "instruments",
        "judgement",
        "model",
        "report",
        "schemas",
        "scoring",
        "signing",
        "synthetic",
        "testing",
    }
)

__all__ = [
    "DECISION_SUPPORT_NOTICE",
    "DEFAULT_INSTRUMENT",
    "FACTORS",
    "LOCALLY_FITTED_STATEMENT",
    "RECORD_FORMAT",
    "SCHEMA_VERSION",
    "Assessment",
    "AssessmentRecord",
    "Band",
    "BandSpec",
    "BatchRow",
    "BatchScores",
    "BatchSummary",
    "Case",
    "CaseFileError",
    "Changes",
    "Contribution",
    "Difference",
    "Factor",
    "FactorKind",
    "FactorValue",
    "HorizonResult",
    "Instrument",
    "InstrumentError",
    "InstrumentFileError",
    "InstrumentRef",
    "ItemAnswers",
    "Judgement",
    "KeyFileError",
    "ModelFileError",
    "Override",
    "OverrideReason",
    "Presence",
    "RecordSignature",
    "RedFlagResult",
    "ReportIncompleteError",
    "ScaleResult",
    "ScaleRole",
    "ScaleScores",
    "ScaleStatus",
    "ShownFactorResult",
    "StalkriskError",
    "UnknownFactorError",
    "UnknownInstrumentError",
    "WeightedScorer",
    "__version__",
    "band_index",
    "bundled_instruments",
    "canonical_json",
    "case_json_schema",
    "compare",
    "evaluate_factors",
    "example_ids",
    "explain",
    "get_factor",
    "input_sha256",
    "instrument_from_data",
    "instrument_json_schema",
    "judgement_json_schema",
    "load_example",
    "load_examples",
    "load_instrument",
    "record_json_schema",
    "render_text",
    "score",
    "score_answers",
    "score_many",
    "verify",
    "write_csv",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    """Import a public name, or a public submodule, the first time it is used."""
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"stalkrisk.{name}")
    else:
        raise AttributeError(f"module 'stalkrisk' has no attribute {name!r}")
    globals()[name] = value  # later uses find it without calling __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})


class _Package(types.ModuleType):
    """The package module, which keeps a public function when its submodule is imported.

    ``stalkrisk.explain`` is a function and ``stalkrisk/explain.py`` its module. Importing the
    module (``import stalkrisk.explain``, or any import of a name from it) makes Python set the
    package's attribute to the module, which would hide the function whatever ran first. Here
    that attribute keeps the function; the module stays in ``sys.modules``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
