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
'High'
"""

from stalkrisk._version import __version__
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
)
from stalkrisk.audit import (
    RECORD_FORMAT,
    AssessmentRecord,
    Difference,
    RecordSignature,
    canonical_json,
    input_sha256,
    verify,
)
from stalkrisk.bands import Band, BandSpec, band_index
from stalkrisk.batch import BatchRow, BatchSummary, score_many, write_csv, write_jsonl
from stalkrisk.errors import (
    CaseFileError,
    InstrumentError,
    InstrumentFileError,
    KeyFileError,
    ModelFileError,
    StalkriskError,
    UnknownFactorError,
    UnknownInstrumentError,
)
from stalkrisk.examples import example_ids, load_example, load_examples
from stalkrisk.explain import explain, render_text
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
    load_instrument,
)
from stalkrisk.schemas import SCHEMA_VERSION, Case, ItemAnswers, Presence, case_json_schema
from stalkrisk.scoring import BatchScores, ScaleScores, WeightedScorer, score, score_answers

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
    "KeyFileError",
    "ModelFileError",
    "Override",
    "OverrideReason",
    "Presence",
    "RecordSignature",
    "RedFlagResult",
    "ScaleResult",
    "ScaleRole",
    "ScaleScores",
    "ScaleStatus",
    "StalkriskError",
    "UnknownFactorError",
    "UnknownInstrumentError",
    "WeightedScorer",
    "__version__",
    "band_index",
    "bundled_instruments",
    "canonical_json",
    "case_json_schema",
    "evaluate_factors",
    "example_ids",
    "explain",
    "get_factor",
    "input_sha256",
    "instrument_from_data",
    "load_example",
    "load_examples",
    "load_instrument",
    "render_text",
    "score",
    "score_answers",
    "score_many",
    "verify",
    "write_csv",
    "write_jsonl",
]
