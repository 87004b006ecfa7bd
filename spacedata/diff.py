"""The old name of :mod:`spacedata.diffs`, kept only while ``spacedata/dashboard/data.py``
still imports ``from ..diff import diff, summary`` (its last user). Delete it when that line
reads ``from ..diffs import ...``; import from :mod:`spacedata.diffs` meanwhile.

Importing a submodule binds it as an attribute of its package, so importing this module makes
``spacedata.diff`` this module instead of the function :func:`spacedata.diffs.diff`. Until it
is deleted it stays callable like the function, so ``spacedata.diff(old, new)`` works either
way.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pandas as pd

from .diffs import CHANGES, DIFF_COLUMNS, diff, format_diff, summary

__all__ = ["CHANGES", "DIFF_COLUMNS", "diff", "format_diff", "summary"]


class _CallableModule(types.ModuleType):
    """``spacedata.diff`` once this module is imported; calling it calls :func:`diff`."""

    def __call__(self, old: Any, new: Any, **kwargs: Any) -> pd.DataFrame:
        return diff(old, new, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
