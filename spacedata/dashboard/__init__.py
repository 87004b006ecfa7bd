"""The spacecraft dashboard, in Panel's DataStore pattern, one concern per module:

* :mod:`.data`: the process-wide data (:class:`SharedData`, loaded once, shared by sessions,
  swapped whole by a scheduled refresh) and where it comes from (:func:`loader_from_env`).
* :mod:`.cache`: :class:`SharedCache`, the bounded LRU of values shared by a process's
  sessions, and :func:`data_version`, what tells one frame from another.
* :mod:`.filters`: the kinds of filter (:class:`Choice`, :class:`Flag`, :class:`Contains`,
  :class:`IntRange`, :class:`DateRange`): parameter, rows kept, URL codec, words, widget.
* :mod:`.store`: the filters, each declared once in :data:`FILTERS`, and the
  :class:`DataStore` built from them (one per session; ``filtered`` is what views draw).
* :mod:`.views`: :class:`View`, the base of every view (it takes the store), and
  :class:`ProvenanceView`, :class:`KPIs`, :class:`Charts`, :class:`TimeCharts`,
  :class:`NoMatch`, :class:`NoFlights`; each draws one thing.
* :mod:`.table`: :class:`RecordsTable`, the rows and their CSV download.
* :mod:`.words`: what the page says when nothing matches or a source holds no flights, and
  what the bundled sample is.
* :mod:`.widgets`: :class:`Picker`, the type-to-search multi-value filter widget.
* :mod:`.page`: the :class:`Template` and its local assets, :func:`build_app`.
* :mod:`.app`: the servable app (``dashboards/spacecraft.py`` only imports it).

The same components display in JupyterLab: ``store = DataStore(df)``, then ``store`` (the
filters) and any view, e.g. ``Charts(store)``.
"""

from . import _extra  # noqa: F401 - first: a core install says what to install

# isort: split
from .._static import PLOTLY_JS
from .cache import AGGREGATES, SharedCache, data_version
from .data import Loaded, SharedData, loader_from_env, release_memory_later, shared_data
from .filters import Choice, Contains, DateRange, Filter, Flag, IntRange, parse_dates, parse_range
from .page import PLOTLY_TRACES, TITLE, VIEWS, Template, build_app, load_extensions
from .store import FILTERS, DataStore
from .table import TABLE_COLUMNS, RecordsTable
from .views import (
    Charts,
    KPIs,
    NoFlights,
    NoMatch,
    ProvenanceView,
    TimeCharts,
    View,
    summary,
)
from .widgets import Picker

__all__ = [
    "AGGREGATES",
    "FILTERS",
    "PLOTLY_JS",
    "PLOTLY_TRACES",
    "TABLE_COLUMNS",
    "TITLE",
    "VIEWS",
    "Charts",
    "Choice",
    "Contains",
    "DataStore",
    "DateRange",
    "Filter",
    "Flag",
    "IntRange",
    "KPIs",
    "Loaded",
    "NoFlights",
    "NoMatch",
    "Picker",
    "ProvenanceView",
    "RecordsTable",
    "SharedCache",
    "SharedData",
    "Template",
    "TimeCharts",
    "View",
    "build_app",
    "data_version",
    "load_extensions",
    "loader_from_env",
    "parse_dates",
    "parse_range",
    "release_memory_later",
    "shared_data",
    "summary",
]
