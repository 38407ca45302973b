"""Reference data for OGRS3: Home Office offence codes and offence groups (read lazily).

The Ministry of Justice's table (``_data/ogrs3/offence-code-mapping.csv``, MIT, Crown
Copyright; see the README and LICENSE.MoJ beside it) gives each Home Office offence code an
OGRS3 offence-group parameter. ``offence-groups.csv`` decodes each parameter to its group, so
that the group's coefficient is read from the instrument file like every other weight.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from functools import cache
from importlib import resources

from stalkrisk.schemas import OffenceCategory, Ogrs3OffenceGroup

__all__ = ["CATEGORY_TO_OGRS3_GROUP", "group_for_category", "group_for_code"]

_FOLDER = ("_data", "ogrs3")

#: Codes that the bundled table (commit f1b01c6, 2025-08-15) lists with weight 0 and that the
#: Ministry of Justice has since removed from it (ACT-221, commit 85df43d, 2025-10-29, after
#: first making its service reject 00000): its service now answers both with "no offence code
#: mapping found". Both are declined here, with the same reason (000/01 was scored as violence).
_REMOVED_BY_THE_MINISTRY = frozenset({"00000", "00001"})

#: The documented default mapping from the library's offence categories to OGRS3 groups. Only
#: categories whose Home Office codes all fall in one group are mapped; any other category is
#: ambiguous, and OGRS3 then needs the group or the Home Office code stated explicitly.
CATEGORY_TO_OGRS3_GROUP: Mapping[OffenceCategory, Ogrs3OffenceGroup] = {
    OffenceCategory.COMMON_ASSAULT: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.ASSAULT_OCCASIONING_HARM: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.WOUNDING_GBH: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.THREATS_TO_KILL: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.ATTEMPTED_MURDER: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.HOMICIDE: Ogrs3OffenceGroup.VIOLENCE,
    OffenceCategory.CRIMINAL_DAMAGE: Ogrs3OffenceGroup.CRIMINAL_DAMAGE,
    OffenceCategory.PUBLIC_ORDER: Ogrs3OffenceGroup.PUBLIC_ORDER,
}


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("stalkrisk").joinpath(*_FOLDER, name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _code_weightings() -> dict[str, str]:
    return {
        r["OFFENCE_GROUP_CODE"] + r["SUB_CODE"]: r["OGRS3_WEIGHTING"].strip()
        for r in _read("offence-code-mapping.csv")
    }


@cache
def _groups_by_weighting() -> dict[float, Ogrs3OffenceGroup]:
    return {
        float(r["moj_ogrs3_weighting"]): Ogrs3OffenceGroup(r["group"])
        for r in _read("offence-groups.csv")
    }


def group_for_code(code: str) -> tuple[Ogrs3OffenceGroup | None, str | None]:
    """Return the OGRS3 group of a 5-digit Home Office code, or ``None`` and the reason.

    Examples
    --------
    >>> group_for_code("02700")
    (<Ogrs3OffenceGroup.SOLICITING: 'soliciting'>, None)
    >>> group_for_code("08800")[1]  # doctest: +ELLIPSIS
    'Home Office code 088/00 covers offences in different OGRS3 groups, so OGRS3 needs the ...'
    >>> group_for_code("00001")[1]  # doctest: +ELLIPSIS
    'Home Office code 000/01 is not scored: the Ministry of Justice has removed offence ...'
    """
    shown = f"{code[:3]}/{code[3:]}"
    if code in _REMOVED_BY_THE_MINISTRY:
        return None, (
            f"Home Office code {shown} is not scored: the Ministry of Justice has removed "
            "offence group 000 (000/00 and 000/01) from its OGRS3 table; give the code of the "
            "offence itself"
        )
    weighting = _code_weightings().get(code)
    if weighting is None:
        return None, f"Home Office code {shown} is not in the Ministry of Justice's OGRS3 table"
    if weighting == "":
        return (
            None,
            f"the Ministry of Justice's table gives Home Office code {shown} no OGRS3 weight",
        )
    if weighting == "999":
        return None, (
            f"Home Office code {shown} covers offences in different OGRS3 groups, so OGRS3 "
            "needs the exact offence: give current_offence.ogrs3_group"
        )
    return _groups_by_weighting()[float(weighting)], None


def group_for_category(category: OffenceCategory) -> tuple[Ogrs3OffenceGroup | None, str | None]:
    """Return the OGRS3 group of a library offence category, or ``None`` and the reason."""
    group = CATEGORY_TO_OGRS3_GROUP.get(category)
    if group is not None:
        return group, None
    return None, (
        f"offence category '{category.value}' spans more than one OGRS3 offence group; give "
        "current_offence.ogrs3_group or current_offence.home_office_code"
    )
