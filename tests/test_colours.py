"""One colour per name (issue 19, item 1): every agency and configuration has one colour in
every chart of both dashboard views (Spacecraft, Through time), in every filter state and
after a data reload; "other" is always the same grey and no group shares it.

The figures are the dashboard's own (``Charts`` and ``TimeCharts`` of a ``DataStore``), built
on the bundled sample and on a synthetic snapshot with flights, for several filter states.
"""

from __future__ import annotations

import html
from collections import defaultdict

import pytest

import spacedata
from spacedata import plots
from spacedata.dashboard import Charts, DataStore, TimeCharts
from spacedata.synthetic import write_synthetic_snapshot


def _legend_colours(fig) -> list[tuple[str, str]]:
    """(name, colour) of what a figure colours by name: each trace with a legend entry (its
    marker, line or box colour) and each bar of a one-trace bar chart coloured bar by bar."""
    out = []
    colorway = fig.layout.colorway
    for i, t in enumerate(fig.data):
        marker = getattr(t, "marker", None)
        colour = getattr(marker, "color", None) if marker is not None else None
        if t.type == "box" or colour is None:
            line = getattr(t, "line", None)
            colour = getattr(line, "color", None) if line is not None else None
        if isinstance(colour, tuple | list):  # one colour a bar: name them by their category
            if all(isinstance(c, str) for c in colour):
                labels = t.y if t.orientation == "h" else t.x
                out += [(html.unescape(str(n)), c) for n, c in zip(labels, colour, strict=True)]
            continue  # a colour scale of counts, not names
        if t.showlegend is False and t.type != "box":
            continue
        if colour is None:  # what plotly draws: the layout's colorway, by trace index
            colour = colorway[i % len(colorway)]
        out.append((html.unescape(str(t.name)), colour))
    return out


def _states(store: DataStore) -> list[dict]:
    """Filter states: none, the top agency, the top two, one configuration (a small one: its
    filtered charts rank it first, where the colour cycle starts)."""
    agencies = store.data["agency_abbrev"].value_counts().index.astype(str).tolist()
    configs = store.data["config_name"].value_counts().index.astype(str).tolist()
    return [
        {},
        {"agency": agencies[:1]},
        {"agency": agencies[:2]},
        {"agency": agencies[1:3]},
        {"config": configs[-1:]},
        {"config": configs[:1]},
    ]


def _collect(tables, seen: dict[str, set[str]]) -> None:
    """Every figure of both views for every filter state of :func:`_states`, its names and
    colours added to ``seen`` (name -> colours)."""
    store = DataStore(tables.wide(), tables.flights_wide())
    views = [Charts(store, validate=False), TimeCharts(store, validate=False)]
    for state in _states(store):
        store.reset()
        store.param.update(**state)
        for view in views:
            df = getattr(store, view.frame)
            if df.empty:
                continue
            for key, fig in view.figures(df).items():
                for name, colour in _legend_colours(fig):
                    seen[name].add(colour)
                    seen[f"{name} [{key}]"].add(colour)  # where it was seen, for the message


def _one_colour_each(seen: dict[str, set[str]]) -> dict[str, str]:
    many = {
        name: sorted(c)
        for name, c in seen.items()
        if len(c) > 1 and "[" not in name  # report a name, then where it was seen
    }
    where = {
        name: sorted(c) for name, c in seen.items() if "[" in name and name.split(" [")[0] in many
    }
    assert not many, f"names with more than one colour: {many}; by chart: {where}"
    return {name: next(iter(c)) for name, c in seen.items() if "[" not in name}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("colours") / "snap"
    write_synthetic_snapshot(200, out, flights=True)
    return out


def _check(load) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    _collect(load(), seen)
    colours = _one_colour_each(seen)
    assert colours.get(plots.OTHER, plots.OTHER_COLOR) == plots.OTHER_COLOR
    grey = [n for n, c in colours.items() if c == plots.OTHER_COLOR and n != plots.OTHER]
    assert not grey, f"names drawn in the grey of 'other': {grey}"
    # a reload (new frames, a new data version) keeps every name's colour
    again: dict[str, set[str]] = defaultdict(set)
    _collect(load(), again)
    assert _one_colour_each(again) == colours


def test_the_bundled_sample_gives_each_name_one_colour_in_every_chart_and_state():
    _check(lambda: spacedata.load_tables("bundled"))


def test_a_synthetic_snapshot_gives_each_name_one_colour_in_every_chart_and_state(synthetic):
    _check(lambda: spacedata.load_tables(snapshot=synthetic))


def test_the_bundled_samples_agencies_and_configurations_are_coloured_as_issue_19_saw():
    """The cases the issue names: Starship V1 and Soyuz keep their colours, filtered or not,
    on both tabs; "Time in space by agency" colours each agency as the other charts do."""
    tables = spacedata.load_tables("bundled")
    store = DataStore(tables.wide(), tables.flights_wide())
    charts, time = Charts(store, validate=False), TimeCharts(store, validate=False)

    def colour_of(view, key, name):
        fig = view.figures(getattr(store, view.frame))[key]
        found = {c for n, c in _legend_colours(fig) if n == name}
        assert len(found) == 1, (key, name, found)
        return found.pop()

    starship = colour_of(charts, "distribution", "Starship V1")  # "other" in the stacks
    soyuz = colour_of(charts, "flights_by_agency", "Soyuz MS")
    assert colour_of(time, "per_year_config", "Soyuz MS") == soyuz
    spx = colour_of(time, "per_year_agency", "SpX")
    by_agency = dict(_legend_colours(charts.figures(store.filtered)["time_by_agency"]))
    assert by_agency["SpX"] == spx and len(set(by_agency.values())) > 1
    store.config = ["Starship V1"]
    for key in ("flights_by_agency", "distribution", "scatter"):
        assert colour_of(charts, key, "Starship V1") == starship
    store.reset()
    store.agency = ["NASA", "SpX"]
    for key in ("flights_by_agency", "distribution"):
        assert colour_of(charts, key, "Starship V1") == starship


def test_a_notebook_colours_from_the_data_set_it_is_given():
    """Without the dashboard: plots.palette_of the whole data set, passed to any builder,
    colours a filtered frame as the whole; a name outside the palette still gets one colour."""
    tables = spacedata.load_tables("bundled")
    df, flights = tables.wide(), tables.flights_wide()
    palette = plots.palette_of(df, flights)
    whole = dict(_legend_colours(plots.flights_by_agency(df, palette=palette)))
    part = df[df["agency_abbrev"] == "SpX"]
    alone = dict(_legend_colours(plots.flights_by_agency(part, palette=palette)))
    assert alone and all(whole.get(n, c) == c for n, c in alone.items())
    assert all(palette.colour("configuration", n) == c for n, c in alone.items())
    assert palette.colour("configuration", "No such craft") == palette.colour(
        "configuration", "No such craft"
    )
    assert palette.colour("agency", plots.OTHER) == plots.OTHER_COLOR
    assert plots.OTHER_COLOR not in plots.COLOURS


@pytest.mark.parametrize("source", ["bundled", "synthetic"])
def test_no_two_names_share_a_colour_in_one_unfiltered_chart(source, synthetic):
    """Each kind runs through all the palette's colours before it repeats one, so the ten
    groups and "other" a chart of the whole data draws in its legend are told apart by colour
    (the boxes of every configuration, more than there are colours, are named on their axis
    instead, and the bars of the totals too)."""
    if source == "bundled":
        tables = spacedata.load_tables("bundled")
    else:
        tables = spacedata.load_tables(snapshot=synthetic)
    store = DataStore(tables.wide(), tables.flights_wide())
    for view in (Charts(store, validate=False), TimeCharts(store, validate=False)):
        for key, fig in view.figures(getattr(store, view.frame)).items():
            if fig.layout.showlegend is False or key.startswith("time_by"):
                continue
            pairs = dict(_legend_colours(fig))
            by_colour = defaultdict(list)
            for name, colour in pairs.items():
                by_colour[colour].append(name)
            shared = {c: n for c, n in by_colour.items() if len(n) > 1}
            assert not shared, (key, shared)
