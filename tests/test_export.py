"""Exports, read back by independent readers (pandas, DuckDB, the json module, pyarrow, isodate)
with the right types; the provenance sidecar holds what a recipient needs to cite the data and
no local path; plus the other parts of issue 12: ``with_source`` counts what the frame is, and
``Tables`` has a short repr."""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import timezone

import duckdb
import isodate
import numpy as np
import pandas as pd
import plotly.express as px
import pyarrow.parquet as pq
import pytest

import spacedata
from spacedata.cli import main
from spacedata.exports import CONVENTIONS, ExportError, export, iso_durations
from spacedata.plots import with_source
from spacedata.snapshot import read_snapshot
from spacedata.synthetic import write_synthetic_snapshot

SECRET = "s3cr3t-pw-for-export"


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    """A SYNTHETIC snapshot with flights: nulls in booleans, datetimes and durations."""
    return write_synthetic_snapshot(
        60, tmp_path_factory.mktemp("export") / "snap", seed=3, flights=True
    )


@pytest.fixture(scope="module")
def tables(snap):
    return spacedata.load_tables(snap.location)


def py(value):
    """A pandas/numpy scalar as the plain Python value a reader gives (NA -> None)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, np.generic):
        return value.item()
    return value


def duckdb_rows(sql: str) -> tuple[list[str], list[str], list[tuple]]:
    rel = duckdb.sql(sql)
    return rel.columns, [str(t) for t in rel.types], rel.fetchall()


# ------------------------------------------------------------------------------------ CSV


def test_csv_flights_read_back_by_duckdb_with_the_right_types(tables, tmp_path):
    frame = tables.flights_wide()
    assert frame["landing_success"].isna().any() and frame["mission_end"].isna().any()
    out = tmp_path / "flights.csv"
    export(frame, out)

    cols, types, rows = duckdb_rows(f"SELECT * FROM read_csv('{out}')")
    assert cols == list(frame.columns) and len(rows) == len(frame)
    typed = dict(zip(cols, types, strict=True))
    assert typed["id"] == "BIGINT" and typed["spacecraft_id"] == "BIGINT"
    assert typed["landing_attempt"] == typed["landing_success"] == "BOOLEAN"
    assert typed["launch_net"] == typed["mission_end"] == "TIMESTAMP WITH TIME ZONE"
    assert typed["duration_days"] == "DOUBLE"
    by_col = dict(zip(cols, zip(*rows, strict=True), strict=True))
    for name in ("id", "landing_attempt", "landing_success", "duration_days", "launch_name"):
        assert list(by_col[name]) == [py(v) for v in frame[name]], name
    for name in ("launch_net", "mission_end"):  # instants survive, in UTC
        want = [py(v) for v in frame[name]]
        got = [v.astimezone(timezone.utc) if v is not None else None for v in by_col[name]]
        assert got == want, name
    for name in ("duration", "turn_around_time"):  # ISO 8601, parsed by isodate
        got = [isodate.parse_duration(v) if v is not None else None for v in by_col[name]]
        assert got == [py(v) for v in frame[name]], name


def test_csv_spacecraft_read_back_by_pandas_and_duckdb(tables, tmp_path):
    frame = tables.wide()
    out = tmp_path / "spacecraft.csv"
    done = export(frame, out)
    assert done.files == (out,)

    back = pd.read_csv(out, dtype_backend="numpy_nullable", float_precision="round_trip")
    assert list(back.columns) == list(frame.columns) and len(back) == len(frame)
    assert str(back["in_space"].dtype) == "boolean" and str(back["id"].dtype) == "Int64"
    assert back["in_space"].tolist() == frame["in_space"].tolist()
    assert back["flights_count"].tolist() == frame["flights_count"].tolist()
    assert back["name"].tolist() == frame["name"].tolist()
    assert back["description"].tolist() == frame["description"].tolist()  # commas, quotes
    assert back["time_in_space_days"].tolist() == frame["time_in_space_days"].tolist()  # exact
    for name in ("time_in_space", "time_docked", "fastest_turnaround"):
        parsed = pd.to_timedelta(back[name].astype(object))  # pandas reads ISO 8601 durations
        assert [py(v) for v in parsed] == [py(v) for v in frame[name]], name
    assert back["status"].tolist() == frame["status"].astype(str).tolist()

    cols, types, rows = duckdb_rows(f"SELECT * FROM read_csv('{out}')")
    typed = dict(zip(cols, types, strict=True))
    assert typed["in_space"] == typed["is_placeholder"] == "BOOLEAN"
    assert typed["flights_count"] == "BIGINT" and typed["time_in_space_days"] == "DOUBLE"
    assert [r[cols.index("description")] for r in rows] == frame["description"].tolist()
    spans = [r[cols.index("fastest_turnaround")] for r in rows]  # ISO 8601, with nulls
    assert [isodate.parse_duration(v) if v else None for v in spans] == [
        py(v) for v in frame["fastest_turnaround"]
    ]


def test_csv_text_follows_the_documented_convention(tables, tmp_path):
    out = tmp_path / "f.csv"
    export(tables.flights_wide(), out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw  # UTF-8, no BOM
    text = raw.decode("utf-8")
    header, first = text.splitlines()[:2]
    assert "False" not in text and "True" not in text and "NaT" not in text
    assert "days" not in first and ",P" in first and "Z," in first
    meta = json.loads((tmp_path / "f.csv.provenance.json").read_text())
    columns = meta["files"]["f.csv"]["columns"]
    assert [c for c, t in columns.items() if t == "duration"] == ["duration", "turn_around_time"]
    assert [c for c, t in columns.items() if t == "datetime"] == ["launch_net", "mission_end"]
    assert columns["landing_success"] == "boolean" and columns["id"] == "integer"
    assert meta["conventions"]["duration"] == CONVENTIONS["duration"]
    assert meta["format"] == "csv" and meta["files"]["f.csv"]["rows"] == len(tables.flights)


def test_iso_durations_parse_back_exactly():
    values = pd.Series(
        pd.to_timedelta(
            ["4 days 22:42:47", "0s", "0.5s", "400 days 01:00:00", None, "00:01:00", "1us"]
        )
    )
    assert iso_durations(values).tolist() == [
        "P4DT22H42M47S",
        "PT0S",
        "PT0.5S",
        "P400DT1H",
        pd.NA,
        "PT1M",
        "PT0.000001S",
    ]
    rng = np.random.default_rng(5)
    spans = pd.Series(pd.to_timedelta(rng.integers(0, 10**15, 500) * 1000, unit="ns"))
    parsed = [isodate.parse_duration(s) for s in iso_durations(spans)]
    assert parsed == [v.to_pytimedelta() for v in spans]


# ----------------------------------------------------------------------------------- JSON


def test_json_records_read_back_by_the_json_module_and_duckdb(tables, tmp_path):
    frame = tables.flights_wide()
    out = tmp_path / "flights.json"
    export(frame, out)
    records = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(records, list) and len(records) == len(frame)
    assert list(records[0]) == list(frame.columns)
    for name in ("id", "landing_success", "duration_days", "launch_name"):
        assert [r[name] for r in records] == [py(v) for v in frame[name]], name
    assert {type(r["landing_attempt"]) for r in records} == {bool}
    assert [isodate.parse_duration(r["duration"]) if r["duration"] else None for r in records] == [
        py(v) for v in frame["duration"]
    ]
    assert [
        isodate.parse_datetime(r["mission_end"]) if r["mission_end"] else None for r in records
    ] == [py(v) for v in frame["mission_end"]]

    cols, types, rows = duckdb_rows(f"SELECT * FROM read_json('{out}')")
    typed = dict(zip(cols, types, strict=True))
    assert len(rows) == len(frame) and typed["landing_success"] == "BOOLEAN"
    assert typed["id"] == "BIGINT" and typed["duration_days"] == "DOUBLE"


# -------------------------------------------------------------------------------- Parquet


def test_parquet_keeps_dtypes_and_provenance_without_the_local_path(tables, snap, tmp_path):
    frame = tables.flights_wide()
    out = tmp_path / "flights.parquet"
    export(frame, out)
    back = pd.read_parquet(out)
    assert [str(t) for t in back.dtypes] == [str(t) for t in frame.dtypes]
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, check_categorical=False)
    assert str(back["duration"].dtype) == "timedelta64[ns]"
    assert str(back["landing_success"].dtype) == "boolean"
    assert spacedata.provenance_of(back).records == len(frame)
    assert spacedata.cite(back) == spacedata.cite(frame)

    schema = pq.read_schema(out)  # pyarrow itself: the physical types
    assert str(schema.field("duration").type) == "duration[ns]"
    assert str(schema.field("launch_net").type) == "timestamp[ns, tz=UTC]"
    stored = b"".join(schema.metadata.values())
    assert str(snap.location).encode() not in stored
    attrs = json.loads(schema.metadata[b"PANDAS_ATTRS"])  # what pandas keeps of .attrs
    assert "location" not in attrs and attrs["manifest_sha256"] == snap.manifest_sha256


def test_parquet_without_pyarrow_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    # As if pyarrow were not installed. (Its parquet module only: loading the tables needs
    # pyarrow itself today, in durations.to_timedelta64.)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    out = tmp_path / "sc.parquet"
    assert main(["export", "--source", "bundled", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "spacedata: error: Parquet export needs pyarrow: pip install 'll2-spacedata[parquet]'\n"
    )
    assert not any(tmp_path.glob("*sc.parquet*"))
    with pytest.raises(ExportError, match=r"pip install 'll2-spacedata\[parquet\]'"):
        export(spacedata.load_spacecraft("bundled"), out)


# -------------------------------------------------------------------------------- sidecar


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_sidecar_is_citation_metadata_with_no_local_path_or_credentials(ll2, tmp_path):
    base = ll2.base.replace("http://", f"http://researcher:{SECRET}@")
    out = tmp_path / "snap"
    assert main(["fetch", "--out", str(out), "--base-url", base, "--quiet"]) == 0
    manifest = read_snapshot(out).path / "manifest.json"
    sha = hashlib.sha256(manifest.read_bytes()).hexdigest()
    for fmt in ("csv", "json", "parquet"):
        target = tmp_path / "exports" / f"flights.{fmt}"
        assert main(["export", "--snapshot", str(out), "--flights", "--out", str(target)]) == 0
        text = target.with_name(target.name + ".provenance.json").read_text()
        meta = json.loads(text)
        assert str(tmp_path) not in text and SECRET not in text and "researcher" not in text
        assert "location" not in _keys(meta)
        assert meta["endpoint"] == "spacecraft_flights" and meta["format"] == fmt
        assert meta["url"] == ll2.base + "spacecraft_flights/"
        assert meta["count"] == meta["records"] == 1085 and meta["complete"] is True
        assert meta["stale"] is False and meta["fetched_at"].startswith("20")
        assert meta["manifest_sha256"] == sha
        assert meta["spacedata_version"] == spacedata.__version__
        assert meta["credit"] == "Launch Library 2 by The Space Devs"
        assert sha in meta["citation"] and "1,085 of 1,085 records" in meta["citation"]
    every = b"".join(p.read_bytes() for p in (tmp_path / "exports").iterdir())
    assert str(tmp_path).encode() not in every and SECRET.encode() not in every


def test_tables_export_writes_a_directory_read_back_by_duckdb(tables, snap, tmp_path):
    out = tmp_path / "tables"
    assert (
        main(
            [
                "export",
                "--snapshot",
                str(snap.location),
                "--tables",
                "--format",
                "csv",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in out.iterdir())
    tables_written = [*tables.all_frames(), "rejected"]  # rejected: header only when none
    assert names == sorted([f"{n}.csv" for n in tables_written] + ["provenance.json"])
    meta = json.loads((out / "provenance.json").read_text())
    assert set(meta["endpoints"]) == {"spacecraft", "spacecraft_flights"}
    assert meta["endpoints"]["spacecraft_flights"]["records"] == len(tables.flights)
    assert "location" not in _keys(meta) and str(snap.location) not in json.dumps(meta)
    for name, frame in tables.all_frames().items():
        (count,) = duckdb.sql(
            f"SELECT count(*) FROM read_csv('{out / (name + '.csv')}')"
        ).fetchall()[0]
        assert count == len(frame) == meta["files"][f"{name}.csv"]["rows"], name
    (maiden,) = duckdb.sql(
        f"SELECT typeof(maiden_flight) FROM read_csv('{out / 'families.csv'}') LIMIT 1"
    ).fetchall()[0]
    assert maiden == "DATE"


def test_the_format_comes_from_the_name_and_a_contradiction_is_refused(tmp_path):
    df = spacedata.load_spacecraft("bundled")
    assert export(df, tmp_path / "a.json").metadata["format"] == "json"
    with pytest.raises(ExportError, match="the name says csv"):
        export(df, tmp_path / "b.csv", format="parquet")
    with pytest.raises(ExportError, match="cannot tell the format"):
        export(df, tmp_path / "c.txt")
    assert not (tmp_path / "b.csv").exists() and not (tmp_path / "c.txt").exists()


def test_a_frame_without_provenance_is_not_exported(tmp_path):
    with pytest.raises(ValueError, match="carries no spacedata provenance"):
        export(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- with_source, Tables repr


def subtitle(fig) -> str:
    return fig.layout.title.subtitle.text


def test_with_source_counts_spacecraft_flights_or_rows_never_a_wrong_noun(tables):
    df = tables.wide()
    n = len(df)
    fig = px.bar(df, x="name", y="time_in_space_days")
    assert subtitle(with_source(fig, df)).startswith(f"{n} spacecraft shown · ")
    some = df[df["flights_count"] > 1]
    assert subtitle(with_source(fig, some)).startswith(f"{len(some)} spacecraft shown · ")

    agg = df.groupby("agency_abbrev", observed=True)["time_in_space_days"].sum().reset_index()
    assert 1 < len(agg) < n and agg.attrs.get("source") == "synthetic"
    text = subtitle(with_source(px.bar(agg, x="agency_abbrev", y="time_in_space_days"), agg))
    assert text.startswith(f"{len(agg)} rows from {n} spacecraft · SYNTHETIC")
    assert "spacecraft shown" not in text
    text = subtitle(
        with_source(px.bar(agg, x="agency_abbrev", y="time_in_space_days"), agg, of=some)
    )
    assert text.startswith(f"{len(agg)} rows from {len(some)} spacecraft · ")

    sized = df.groupby("config_type", observed=True).size().rename("n").reset_index()
    assert "source" not in sized.attrs  # pandas drops them here: the source comes from `of`
    text = subtitle(with_source(px.bar(sized, x="config_type", y="n"), sized, of=df))
    assert text.startswith(f"{len(sized)} rows from {n} spacecraft · SYNTHETIC")

    flights = tables.flights_wide()
    text = subtitle(with_source(px.histogram(flights, x="launch_net"), flights))
    assert text.startswith(f"{len(flights):,} flights shown · ")
    per_year = flights.groupby(flights["launch_net"].dt.year).size().reset_index()
    per_year.attrs = dict(flights.attrs)
    text = subtitle(with_source(px.bar(per_year, x="launch_net", y=0), per_year))
    assert text.startswith(f"{len(per_year)} rows from {len(flights):,} flights · ")


def test_tables_repr_is_short_and_names_every_table(tables):
    text = repr(tables)
    lines = text.splitlines()
    assert len(lines) <= 12 and len(text) < 1200
    for name, frame in {**tables.all_frames(), "rejected": tables.rejected}.items():
        assert any(line.split()[:2] == [name, f"{len(frame):,}"] for line in lines), name
    assert tables.provenance.describe() in text
    assert tables.wide()["name"].iloc[0] not in text  # no frame printed in full
    assert str(tables) == text


def test_tables_export_keeps_each_tables_own_endpoint(tables, tmp_path):
    done = export(tables, tmp_path / "t", format="parquet")
    names = [*tables.all_frames(), "rejected"]  # the records that could not be used, too
    assert [p.name for p in done.files] == [f"{n}.parquet" for n in names]
    assert done.sidecar == tmp_path / "t" / "provenance.json"
    flights = pd.read_parquet(tmp_path / "t" / "flights.parquet")
    crafts = pd.read_parquet(tmp_path / "t" / "spacecraft.parquet")
    assert flights.attrs["endpoint"] == "spacecraft_flights"
    assert flights.attrs["records"] == len(tables.flights)
    assert crafts.attrs["endpoint"] == "spacecraft" and crafts.attrs["records"] == 60
