"""``spacedata.cite``: a citation of the data as loaded (text and BibTeX), the manifest sha256
carried in the provenance, and the package's CITATION.cff."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone

import pytest

import spacedata
from spacedata.provenance import Provenance
from spacedata.snapshot import read_snapshot
from spacedata.synthetic import write_synthetic_snapshot
from tests.conftest import ROOT


@pytest.fixture
def fetched(ll2, tmp_path):
    """A complete snapshot fetched from the local LL2-like server (both endpoints)."""
    out = tmp_path / "snap"
    with spacedata.LL2Client(ll2.base, progress=False) as client:
        spacedata.fetch(out, client=client, check_quota=False)
    return out


def manifest_sha(path) -> str:
    return hashlib.sha256((read_snapshot(path).path / "manifest.json").read_bytes()).hexdigest()


def parse_bibtex(text: str) -> tuple[str, str, dict[str, str]]:
    """A small independent reader of one BibTeX entry: type, key and fields (braced values,
    nested braces kept); fails on unbalanced braces."""
    m = re.match(r"@(\w+)\{([^,\s]+),\n", text)
    assert m, text
    fields, i = {}, m.end()
    while True:
        f = re.compile(r"\s*(\w+) = \{").match(text, i)
        if not f:
            break
        depth, j = 1, f.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        fields[f.group(1)] = text[f.end() : j - 1]
        i = j + 1 if text[j : j + 1] == "," else j
    assert text[i:].strip() == "}", text[i:]
    return m.group(1), m.group(2), fields


def test_cite_names_the_data_as_loaded(ll2, fetched):
    df = spacedata.load_spacecraft(fetched)
    prov = spacedata.provenance_of(df)
    sha = manifest_sha(fetched)
    assert prov.manifest_sha256 == sha and prov.url == ll2.base + "spacecraft/"

    text = spacedata.cite(df)
    assert text.startswith("The Space Devs (20")
    assert "Launch Library 2 (LL2)" in text
    assert f"spacecraft ({ll2.base}spacecraft/): 603 of 603 records, complete" in text
    assert f"fetched {prov.fetched_at:%Y-%m-%d %H:%M} UTC" in text
    assert f"manifest.json sha256 {sha}" in text
    # the software as a reader finds it on the index (the name spacedata there is another's)
    assert f"Loaded with ll2-spacedata {spacedata.__version__}." in text
    assert str(fetched) not in text
    assert spacedata.cite(prov) == text

    kind, key, fields = parse_bibtex(spacedata.cite(df, style="bibtex"))
    assert kind == "misc" and key == f"ll2_spacecraft_{prov.fetched_at:%Y%m%d}"
    assert fields["author"] == "{The Space Devs}" and fields["year"] == f"{prov.fetched_at:%Y}"
    assert fields["url"] == ll2.base + "spacecraft/"
    assert fields["urldate"] == f"{prov.fetched_at:%Y-%m-%d}"
    assert sha in fields["note"] and "603 of 603 records, complete" in fields["note"]
    assert f"Loaded with ll2-spacedata {spacedata.__version__}." in fields["note"]
    assert spacedata.cite(prov, "bibtex") == spacedata.cite(df, style="bibtex")


def test_cite_tables_names_every_endpoint(ll2, fetched):
    tables = spacedata.load_tables(fetched)
    text = spacedata.cite(tables)
    assert text.count(manifest_sha(fetched)) == 1  # one snapshot, one manifest
    assert f"spacecraft ({ll2.base}spacecraft/): 603 of 603 records" in text
    assert f"spacecraft_flights ({ll2.base}spacecraft_flights/): 1,085 of 1,085" in text
    _, key, fields = parse_bibtex(spacedata.cite(tables, style="bibtex"))
    assert key.startswith("ll2_spacecraft_spacecraftflights_")
    assert r"spacecraft\_flights" in fields["title"] and r"spacecraft\_flights" in fields["note"]
    flights_only = spacedata.cite(tables.flights_wide())
    assert "spacecraft_flights (" in flights_only and "603 of 603" not in flights_only


def test_the_manifest_sha256_survives_attrs_and_is_none_for_live_loads(ll2, fetched):
    prov = spacedata.provenance_of(spacedata.load_spacecraft(fetched))
    assert Provenance.from_attrs(prov.as_attrs()) == prov
    live = spacedata.load_spacecraft("live", client=spacedata.LL2Client(ll2.base, progress=False))
    lprov = spacedata.provenance_of(live)
    assert lprov.manifest_sha256 is None and lprov.endpoint_url == ll2.base + "spacecraft/"
    text = spacedata.cite(live)
    assert "Read from the LL2 API" in text and "sha256" not in text
    # A changed manifest is another snapshot: another sha256 (when it still reads).
    other = spacedata.provenance_of(spacedata.load_spacecraft("bundled"))
    assert (
        other.manifest_sha256
        == hashlib.sha256((ROOT / "data" / "bundled" / "manifest.json").read_bytes()).hexdigest()
    )
    assert other.manifest_sha256 != prov.manifest_sha256


def test_bundled_stale_and_synthetic_data_say_what_they_are(tmp_path):
    text = spacedata.cite(spacedata.load_spacecraft("bundled"))
    assert "(n.d.)" in text and "20 of 603 records, partial sample" in text
    assert "fetch date not recorded" in text and "bundled sample snapshot" in text

    snap = write_synthetic_snapshot(30, tmp_path / "syn")
    syn = spacedata.cite(spacedata.load_spacecraft(snap.location))
    assert syn.startswith("SYNTHETIC data, not real records")
    _, _, fields = parse_bibtex(spacedata.cite(spacedata.load_spacecraft(snap.location), "bibtex"))
    assert fields["title"].startswith("SYNTHETIC")

    at = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)
    stale = Provenance(
        source="cache",
        fetched_at=at,
        count=603,
        records=603,
        complete=True,
        location="https://user:pw@ll.example/2.3.0/spacecraft/",
        stale_since=datetime(2026, 11, 23, 22, 30, tzinfo=timezone.utc),
    )
    text = spacedata.cite(stale)
    assert "STALE since 2026-11-23 22:30 UTC" in text and "pw" not in text
    assert "https://***@ll.example/2.3.0/spacecraft/" in text and "local HTTP cache" in text
    meta = spacedata.citation.metadata(stale)
    assert meta["stale"] is True and meta["stale_since"] == "2026-11-23T22:30:00+00:00"


def test_cite_refuses_what_it_cannot_cite():
    import pandas as pd

    with pytest.raises(ValueError, match="no spacedata provenance"):
        spacedata.cite(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="style='apa'"):
        spacedata.cite(spacedata.load_spacecraft("bundled"), style="apa")


def test_citation_cff_describes_this_version():
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == spacedata.__version__ and cff["license"] == "MIT"
    assert cff["title"].startswith("spacedata") and cff["authors"][0]["name"]
    assert "spacedata.cite" in cff["message"]
    # the distribution's name, as pip installs it
    assert "pip install ll2-spacedata" in cff["message"]
    assert cff["url"] == "https://pypi.org/project/ll2-spacedata/"
    (data,) = cff["references"]
    assert data["type"] == "data" and data["authors"] == [{"name": "The Space Devs"}]
    assert data["title"] == "Launch Library 2"
