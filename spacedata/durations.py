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

    Each distinct string is parsed once. Bad values become NaT and one warning names them.
    """
    lookup: dict[str | None, np.timedelta64] = {None: _NAT}
    bad: dict[str, str] = {}
    for text in set(values):
        if text in lookup:
            continue
        try:
            td = parse_duration(text)
            lookup[text] = np.timedelta64(td, "us").astype("m8[ns]")
        except InvalidDuration as exc:
            lookup[text] = _NAT
            bad[text] = str(exc)
    out = np.array([lookup[v] for v in values], dtype="m8[ns]")
    if bad:
        hits = [(i, v) for i, v in zip(ids, values) if v in bad]
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
