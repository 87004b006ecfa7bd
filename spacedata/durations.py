"""ISO 8601 durations (``P4DT22H42M47S``, ``PT1H46M``, ``P0D``) to timedeltas.

Policy, the same for every duration column:

* ``P[n]D`` / ``T[n]H[n]M[n]S`` forms convert exactly (a fast regex handles the forms LL2 sends).
* Other valid ISO forms (weeks ``P1W``, fractions ``PT1.5H``) are converted exactly by isodate.
  pandas is not used for these: ``pd.to_timedelta("PT1.5H")`` gives 5 h 0 min 1 s.
* None/null stays ``NaT``.
* A calendar duration with years or months (``P1Y2M``: its length depends on the start date), a
  negative duration, a duration too long for ``timedelta64[ns]`` (over about 292 years, such as
  ``P99999999D``), a malformed string, or a value that is not a string at all (a number of
  seconds? days? ``12`` says neither) becomes ``NaT``, and one :class:`DurationWarning` per field
  names the record ids and the raw values. The record itself is always kept; nothing here raises
  ``OverflowError``.
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
#: The longest duration ``timedelta64[ns]`` holds (106751 days 23:47:16.854775).
MAX_DURATION = timedelta(microseconds=(2**63 - 1) // 1000)
_STR_OR_NONE = frozenset({str, type(None)})


class InvalidDuration(ValueError):
    """A duration string that the policy turns into NaT."""


def parse_duration(text: str | None) -> timedelta | None:
    """One ISO 8601 duration as a :class:`datetime.timedelta` (None for None).

    Raises:
        InvalidDuration: for calendar (year/month), negative, malformed or non-string values, and
            for durations longer than :data:`MAX_DURATION` (``timedelta64[ns]``'s limit).
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
        try:
            value = timedelta(days=d, hours=h, minutes=mi, seconds=s)
        except OverflowError as exc:
            raise InvalidDuration(_too_long(text)) from exc
    else:
        import isodate

        try:
            value = isodate.parse_duration(text)
        except OverflowError as exc:
            raise InvalidDuration(_too_long(text)) from exc
        except (isodate.ISO8601Error, ValueError, TypeError) as exc:
            raise InvalidDuration(f"malformed ISO 8601 duration {text!r}") from exc
        if isinstance(value, isodate.Duration):
            raise InvalidDuration(f"calendar duration {text!r} (years/months have no fixed length)")
    if value < timedelta(0):
        raise InvalidDuration(f"negative duration {text!r}")
    if value > MAX_DURATION:
        raise InvalidDuration(_too_long(text))
    return value


def _too_long(text: str) -> str:
    return f"duration {text!r} out of timedelta64[ns] range (over about 292 years)"


def to_timedelta64(values: Sequence[object], ids: Sequence, field: str) -> np.ndarray:
    """Convert a column of durations to ``timedelta64[ns]``, following the module's policy.

    Integer ``P..DT..H..M..S`` strings (all LL2 sends) are checked by a vectorised regex and
    converted by pandas' C parser, which is exact for them; anything else goes through
    :func:`parse_duration` one distinct value at a time. Non-string values (numbers, objects)
    and bad strings become NaT, and one :class:`DurationWarning` names them with ``ids``
    (parallel to ``values``). Never raises for a bad value.
    """
    import pandas as pd

    raw = values
    hits: list[tuple[int, str]] = []  # (position, reason)
    if not set(map(type, raw)) <= _STR_OR_NONE:
        values = [v if v is None or type(v) is str else None for v in raw]
        hits = [
            (i, f"not a string ({type(v).__name__})")
            for i, v in enumerate(raw)
            if v is not None and type(v) is not str
        ]
    s = pd.Series(pd.array(values, dtype="string"))

    def mask(m: pd.Series) -> np.ndarray:
        return m.to_numpy(dtype=bool, na_value=False)

    simple = mask(s.str.fullmatch(_SIMPLE.pattern)) & ~mask(s.str.endswith("T")) & ~mask(s == "P")
    # pandas' ISO parser refuses hours or minutes of 3+ digits (PT100H): the exact parser does them.
    simple &= ~mask(s.str.contains(r"\d{3,}[HM]"))
    try:
        out = _fast(s, simple)
    except (ValueError, OverflowError):  # a digit group too long for pandas' parser or for ns
        simple &= ~mask(s.str.contains(r"\d{6}"))  # up to 5 digits per group always fits
        out = _fast(s, simple)
    rest = ~simple & mask(s.notna())
    if rest.any():
        bad: dict[str, str] = {}
        parsed: dict[str, np.timedelta64] = {}
        for text in set(s[rest]):
            try:
                parsed[text] = np.timedelta64(parse_duration(text), "us").astype("m8[ns]")
            except InvalidDuration as exc:
                parsed[text], bad[text] = _NAT, str(exc)
        idx = np.flatnonzero(rest)
        out[idx] = [parsed[values[i]] for i in idx]
        hits += [(i, bad[values[i]]) for i in idx if values[i] in bad]
    if hits:
        hits.sort()
        shown = ", ".join(f"id {ids[i]}: {_short(raw[i])}" for i, _ in hits[:10])
        more = f" and {len(hits) - 10} more" if len(hits) > 10 else ""
        kinds = list(dict.fromkeys(r for _, r in hits))
        reasons = "; ".join(kinds[:3]) + ("; ..." if len(kinds) > 3 else "")
        warnings.warn(
            f"{len(hits)} {field} value(s) set to NaT ({shown}{more}): {reasons}. "
            "The records are kept; see spacedata.durations for the policy.",
            DurationWarning,
            stacklevel=3,
        )
    return out


def _fast(s, simple: np.ndarray) -> np.ndarray:
    import pandas as pd

    return pd.to_timedelta(s.where(simple)).to_numpy(dtype="m8[ns]")


def _short(value: object, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
