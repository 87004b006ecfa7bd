"""The spacecraft dashboard, in Panel's DataStore pattern, one concern per module:

* :mod:`.data`: the process-wide data (:class:`SharedData`, loaded once, shared by sessions,
  swapped whole by a scheduled refresh) and where it comes from (:func:`loader_from_env`).
* :mod:`.cache`: :class:`~.cache.SharedCache`, the bounded LRU of values shared by a
  process's sessions, and :func:`~.cache.data_version`, what tells one frame from another.
* :mod:`.filters`: the kinds of filter (:class:`Choice`, :class:`Flag`, :class:`Contains`,
  :class:`IntRange`, :class:`~.filters.DateRange`): parameter, rows kept, URL codec, words,
  widget.
* :mod:`.store`: the filters, each declared once in :data:`FILTERS`, and the
  :class:`DataStore` built from them (one per session; ``filtered`` is what views draw).
* :mod:`.views`: :class:`ProvenanceView`, :class:`KPIs`, :class:`Charts`, :class:`NoMatch`,
  :class:`RecordsTable`; each takes the store and draws one thing.
* :mod:`.widgets`: :class:`Picker`, the type-to-search multi-value filter widget.
* :mod:`.page`: the :class:`Template` and its local assets, :func:`build_app`.
* :mod:`.app`: the servable app (``dashboards/spacecraft.py`` only imports it).

The same components display in JupyterLab: ``store = DataStore(df)``, then ``store`` (the
filters) and any view, e.g. ``Charts(store)``.
"""

from .._static import PLOTLY_JS
from .data import Loaded, SharedData, loader_from_env, shared_data
from .filters import Choice, Contains, Filter, Flag, IntRange, parse_range
from .page import PLOTLY_TRACES, TITLE, Template, after_load, build_app, load_extensions
from .store import FILTERS, DataStore
from .views import Charts, KPIs, NoMatch, ProvenanceView, RecordsTable, summary
from .widgets import Picker

__all__ = [
    "FILTERS",
    "PLOTLY_JS",
    "PLOTLY_TRACES",
    "TITLE",
    "Charts",
    "Choice",
    "Contains",
    "DataStore",
    "Filter",
    "Flag",
    "IntRange",
    "KPIs",
    "Loaded",
    "NoMatch",
    "Picker",
    "ProvenanceView",
    "RecordsTable",
    "SharedData",
    "Template",
    "after_load",
    "build_app",
    "load_extensions",
    "loader_from_env",
    "parse_range",
    "shared_data",
    "summary",
]
