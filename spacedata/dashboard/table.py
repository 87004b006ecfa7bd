"""The records table: the filtered rows as a Tabulator (text shown as text; on a narrow screen
the columns that do not fit fold into a row's detail) and a CSV download of all their columns.
"""

from __future__ import annotations

import io

import pandas as pd
import panel as pn
import param

from .store import DataStore
from .views import View
from .widgets import FOCUS_CSS, HEADING_CSS

#: Table columns -> titles. Name never hides; on a narrow screen the later columns fold into
#: a row's detail (Tabulator's responsive collapse, opened by the row's ▸ toggle).
TABLE_COLUMNS = {
    "name": "Name",
    "agency_abbrev": "Agency",
    "config_name": "Configuration",
    "flights_count": "Flights",
    "time_in_space_days": "Days in space",
    "status": "Status",
    "config_type": "Type",
    "in_space": "In space",
    "time_docked_days": "Days docked",
    "serial_number": "Serial",
    "description": "Description",
}
_TOGGLE = "more"
#: A row's detail wraps long text (a description) instead of running past the table.
_TABLE_CSS = """
.tabulator-responsive-collapse td { vertical-align: top; }
.tabulator-responsive-collapse td:first-child { white-space: nowrap; padding-right: 10px; }
.tabulator-responsive-collapse td + td { white-space: normal !important; overflow-wrap: anywhere; }
.tabulator-footer .tabulator-page { min-width: 32px; min-height: 32px; }
"""


def _table_configuration() -> dict:
    columns = [
        {
            "field": _TOGGLE,
            "formatter": "responsiveCollapse",
            "title": "",
            "headerSort": False,
            "width": 34,
            "minWidth": 34,
            "resizable": False,
            "hozAlign": "center",
            "responsive": 0,
        }
    ]
    for priority, col in enumerate(TABLE_COLUMNS):
        spec = {"field": col, "responsive": priority, "minWidth": 100}
        if col == "name":
            spec.update(minWidth=140, widthGrow=2)
        elif col == "config_name":
            spec.update(minWidth=125)
        elif col == "description":
            spec.update(minWidth=260, widthGrow=4)
        columns.append(spec)
    return {
        "columnDefaults": {"headerWordWrap": True},
        "responsiveLayout": "collapse",
        "responsiveLayoutCollapseStartOpen": False,
        "placeholder": "No rows: no spacecraft match these filters.",
        "columns": columns,
    }


class RecordsTable(View):
    """The filtered records as a Tabulator (text shown as text; the columns that do not fit
    fold into a row detail) and a CSV download of all their columns."""

    def __init__(self, store: DataStore, **params):
        super().__init__(store, **params)
        text = {"type": "plaintext"}
        self.table = pn.widgets.Tabulator(
            self._shared_frame(),
            pagination="remote",  # only the visible page goes to the browser
            page_size=15,
            disabled=True,
            show_index=False,
            layout="fit_columns",
            sizing_mode="stretch_width",
            formatters={
                **{c: text for c in TABLE_COLUMNS},
                # textarea wraps long text, and escapes it like plaintext
                "name": {"type": "textarea"},
                "description": {"type": "textarea"},
                _TOGGLE: text,
            },
            titles={**TABLE_COLUMNS, _TOGGLE: ""},
            configuration=_table_configuration(),
            stylesheets=[_TABLE_CSS, FOCUS_CSS],
            css_classes=["sd-table"],
        )
        self.download = pn.widgets.FileDownload(
            callback=self._csv,
            filename="spacecraft-filtered.csv",
            label="Download filtered rows (CSV)",
            color="primary",
            css_classes=["sd-download"],
        )

    @param.depends("store.filtered", watch=True)
    def _schedule_refresh(self) -> None:
        # The table sits below the charts: on a server it refreshes in the next tick, after the
        # charts' patch has gone out (~40 ms sooner charts); elsewhere at once.
        pn.state.execute(self._refresh, schedule=True)

    def _refresh(self) -> None:
        self.table.value = self._shared_frame()

    def _shared_frame(self) -> pd.DataFrame:
        return self.store.shared("table", lambda: self._frame(self.store.filtered), "spacecraft")

    @staticmethod
    def _frame(df: pd.DataFrame) -> pd.DataFrame:
        out = df[list(TABLE_COLUMNS)].copy()
        for col in ("time_in_space_days", "time_docked_days"):
            out[col] = out[col].round(1)
        out.insert(0, _TOGGLE, "")
        return out

    def _csv(self) -> io.StringIO:
        buf = io.StringIO()
        self.store.filtered.to_csv(buf, index=False)
        buf.seek(0)
        return buf

    def __panel__(self):
        return pn.Column(
            pn.pane.HTML(
                "<h2 class='sd-heading'>Records</h2>", margin=(0, 10), stylesheets=[HEADING_CSS]
            ),
            self.download,
            self.table,
            sizing_mode="stretch_width",
        )
