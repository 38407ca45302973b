"""Hypothesis strategies for property-testing software that uses stalkrisk.

Court-support systems, case-management tools and report generators can check their own use of
stalkrisk against every kind of case the schema allows, not only the handful of cases someone
thought to write down. The strategies generate *valid* cases: every cross-field rule holds by
construction (dates never after the assessment date, conviction ages consistent with their
dates and the perpetrator's age, counts at least the lengths of the lists they summarise, a
separation date only for a former intimate partner, breaches after the order, behaviours and
escalation within the episode, recent answers within lifetime answers). Every generated case has
``synthetic=True``, so it cannot be mistaken for a real one.

This module needs hypothesis: ``pip install 'stalkrisk[testing]'``.

Examples
--------
>>> import stalkrisk
>>> from hypothesis import given, settings
>>> from stalkrisk.testing import cases
>>> @settings(max_examples=20, database=None)
... @given(cases())
... def test_report_names_the_case(case):
...     report = stalkrisk.render_text(stalkrisk.score(case))
...     assert case.case_id in report and "SYNTHETIC" in report
>>> test_report_names_the_case()
"""

from stalkrisk._internal.public import export

try:
    from stalkrisk.testing._strategies import (
        Completeness,
        assessments,
        case_dicts,
        case_ids,
        cases,
        criminal_histories,
        perpetrators,
        presences,
        relationships,
        stalking_episodes,
        timeds,
        victim_situations,
    )
except ImportError as exc:  # pragma: no cover - exercised with hypothesis hidden
    if exc.name is None or exc.name.partition(".")[0] != "hypothesis":
        raise
    raise ImportError(
        "stalkrisk.testing needs hypothesis, which is not installed; "
        "install it with: pip install 'stalkrisk[testing]'"
    ) from exc

__all__ = [
    "Completeness",
    "assessments",
    "case_dicts",
    "case_ids",
    "cases",
    "criminal_histories",
    "perpetrators",
    "presences",
    "relationships",
    "stalking_episodes",
    "timeds",
    "victim_situations",
]

export(__name__, __all__, globals())
