"""ISO 8601 durations (``P4DT22H42M47S``, ``PT1H46M``, ``P0D``) to timedeltas.

Policy, the same for every duration column:

* ``P[n]D`` / ``T[n]H[n]M[n]S`` forms convert exactly (a fast regex handles the forms LL2 sends).
* Other valid ISO forms (weeks ``P1W``, fractions ``PT1.5H``) are converted exactly by isodate.
  pandas is not used for these: ``pd.to_timedelta("PT1.5H")`` gives 5 h 0 min 1 s.
* None/null stays ``NaT``.
* A calendar duration with years or months (``P1Y2M``: its length depends on the start date), a
  negative duration, or a malformed string becomes ``NaT`` and a :class:`DurationWarning` names
  the field, the record ids and the raw values. The record itself is always kept.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from .errors import DurationWarning

_SIMPLE = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_NAT = np.timedelta64("NaT", "ns")


class InvalidDuration(ValueError):
    """A duration string that the policy turns into NaT."""


def parse_duration(text: str | None) -> timedelta | None:
    """One ISO 8601 duration as a :class:`datetime.timedelta` (None for None).

    Raises:
        InvalidDuration: for calendar (year/month), negative or malformed durations.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidDuration(f"not a string: {text!r}")
    if text.endswith(("P", "T")):  # "PT", "P1DT": isodate reads these as if they said something
        raise InvalidDuration(f"malformed ISO 8601 duration {text!r}")
    m = _SIMPLE.fullmatch(text)
    if m and any(m.groups()):
        d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        return timedelta(days=d, hours=h, minutes=mi, seconds=s)
    import isodate

    try:
        value = isodate.parse_duration(text)
    except (isodate.ISO8601Error, ValueError, TypeError) as exc:
        raise InvalidDuration(f"malformed ISO 8601 duration {text!r}") from exc
    if isinstance(value, isodate.Duration):
        raise InvalidDuration(f"calendar duration {text!r} (years/months have no fixed length)")
    if value < timedelta(0):
        raise InvalidDuration(f"negative duration {text!r}")
    return value


def to_timedelta64(values: Sequence[str | None], ids: Sequence, field: str) -> np.ndarray:
    """Convert a column of durations to ``timedelta64[ns]``, following the module's policy.

    Integer ``P..DT..H..M..S`` strings (all LL2 sends) are checked by a vectorised regex and
    converted by pandas' C parser, which is exact for them; anything else goes through
    :func:`parse_duration` one distinct value at a time. Bad values become NaT and one warning
    names them.
    """
    import pandas as pd

    s = pd.Series(pd.array(values, dtype="string"))

    def mask(m: pd.Series) -> np.ndarray:
        return m.to_numpy(dtype=bool, na_value=False)

    simple = mask(s.str.fullmatch(_SIMPLE.pattern)) & ~mask(s.str.endswith("T")) & ~mask(s == "P")
    out = pd.to_timedelta(s.where(simple)).to_numpy(dtype="m8[ns]")
    rest = ~simple & mask(s.notna())
    if not rest.any():
        return out
    bad: dict[str, str] = {}
    parsed: dict[str, np.timedelta64] = {}
    for text in set(s[rest]):
        try:
            parsed[text] = np.timedelta64(parse_duration(text), "us").astype("m8[ns]")
        except InvalidDuration as exc:
            parsed[text], bad[text] = _NAT, str(exc)
    idx = np.flatnonzero(rest)
    out[idx] = [parsed[values[i]] for i in idx]
    if bad:
        hits = [(ids[i], values[i]) for i in idx if values[i] in bad]
        shown = ", ".join(f"id {i}: {v!r}" for i, v in hits[:10])
        more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
        reasons = "; ".join(sorted(set(bad.values()))[:3])
        warnings.warn(
            f"{len(hits)} {field} value(s) set to NaT ({shown}{more}): {reasons}. "
            "The records are kept; see spacedata.durations for the policy.",
            DurationWarning,
            stacklevel=3,
        )
    return out
