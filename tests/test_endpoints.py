"""Endpoint declarations: what a client may ask of each LL2 list endpoint, and that adding an
endpoint is one declaration plus one tidy function over the same client and snapshot store."""

from __future__ import annotations

import pandas as pd
import pytest

from spacedata import endpoints
from spacedata.endpoints import SPACECRAFT, SPACECRAFT_FLIGHTS, declare, split_params
from spacedata.snapshot import read_snapshot
from spacedata.snapshot_writer import write_snapshot
from tests.ll2fake import FakeEndpoint


def test_the_two_endpoints_are_declared():
    assert list(endpoints.ENDPOINTS) == ["spacecraft", "spacecraft_flights"]
    assert endpoints.DEFAULT_ENDPOINTS == ("spacecraft", "spacecraft_flights")
    assert SPACECRAFT.path == "spacecraft/" and SPACECRAFT_FLIGHTS.path == "spacecraft_flights/"
    assert SPACECRAFT_FLIGHTS.filters == {"spacecraft"}
    assert SPACECRAFT_FLIGHTS.params == {"spacecraft", "search", "ordering", "mode"}
    assert SPACECRAFT.tables[0] == "spacecraft" and SPACECRAFT_FLIGHTS.tables == ("flights",)
    assert SPACECRAFT_FLIGHTS.tidy_function().__name__ == "flight_tables"


def test_query_is_stable_and_breaks_ties_by_id():
    q = SPACECRAFT.query({"status": 1, "in_space": True, "ordering": "-flights_count"})
    assert q == {
        "in_space": "true",
        "ordering": "-flights_count,id",
        "status": "1",
        "limit": "100",
        "offset": "0",
    }
    assert list(q)[-2:] == ["limit", "offset"]
    assert SPACECRAFT_FLIGHTS.query({"spacecraft": 42, "mode": "detailed"}, limit=40) == {
        "mode": "detailed",
        "ordering": "id",
        "spacecraft": "42",
        "limit": "40",
        "offset": "0",
    }


@pytest.mark.parametrize(
    "endpoint, params, limit, message",
    [
        (SPACECRAFT, {"colour": "red"}, None, r"Unknown /spacecraft/ parameter\(s\) \['colour'\]"),
        (SPACECRAFT_FLIGHTS, {"in_space": True}, None, "Unknown /spacecraft_flights/ parameter"),
        (SPACECRAFT, {"ordering": "launch_date"}, None, "ordering='launch_date'"),
        (SPACECRAFT, {"ordering": "id,name"}, None, "ordering='id,name'"),
        (SPACECRAFT_FLIGHTS, {"ordering": "flights_count"}, None, "orders by one of \\['id'\\]"),
        (SPACECRAFT_FLIGHTS, {"mode": "list"}, None, "mode='list'"),
        (SPACECRAFT, {}, 0, "limit=0"),
        (SPACECRAFT_FLIGHTS, {}, 101, "1 to 100"),
    ],
)
def test_bad_queries_are_refused_saying_what_is_documented(endpoint, params, limit, message):
    with pytest.raises(ValueError, match=message):
        endpoint.query(params, limit)


def test_names_and_unknown_endpoints():
    assert endpoints.names(None) == endpoints.DEFAULT_ENDPOINTS
    assert endpoints.names("spacecraft_flights, spacecraft,spacecraft") == (
        "spacecraft_flights",
        "spacecraft",
    )
    with pytest.raises(ValueError, match="Unknown endpoint 'launches'; known: spacecraft, "):
        endpoints.names("spacecraft,launches")
    with pytest.raises(ValueError, match="No endpoint named"):
        endpoints.names([])


def test_params_go_to_the_endpoints_that_document_them():
    both = ["spacecraft", "spacecraft_flights"]
    assert split_params({"in_space": True, "spacecraft": 5, "search": "soyuz"}, both) == {
        "spacecraft": {"in_space": True, "search": "soyuz"},
        "spacecraft_flights": {"spacecraft": 5, "search": "soyuz"},
    }
    assert split_params({"spacecraft_flights:search": "x"}, both) == {
        "spacecraft": {},
        "spacecraft_flights": {"search": "x"},
    }
    assert split_params({"spacecraft_flights": {"spacecraft": 7}}, both) == {
        "spacecraft": {},
        "spacecraft_flights": {"spacecraft": 7},
    }
    with pytest.raises(ValueError, match=r"Unknown /spacecraft/ parameter\(s\) \['colour'\]"):
        split_params({"colour": "red"}, both)
    with pytest.raises(ValueError, match="not among the endpoints asked for"):
        split_params({"spacecraft_flights:search": "x"}, ["spacecraft"])


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="declared twice"):
        declare(
            name="spacecraft", path="x/", filters=(), orderings=("id",), expected_records=1,
            tidy="m:f", tables=("t",),
        )  # fmt: skip
    with pytest.raises(ValueError, match="relative to the API root"):
        declare(
            name="other", path="/x/", filters=(), orderings=("id",), expected_records=1,
            tidy="m:f", tables=("t",),
        )  # fmt: skip
    with pytest.raises(ValueError, match="must be orderings"):
        declare(
            name="other", path="x/", filters=(), orderings=("name",), expected_records=1,
            tidy="m:f", tables=("t",),
        )  # fmt: skip
    assert "other" not in endpoints.ENDPOINTS


# --- Adding an endpoint: one declaration and one tidy function. ------------------------------


def configuration_tables(records, provenance=None) -> dict[str, pd.DataFrame]:
    """The tidy function of the test endpoint below."""
    frame = pd.DataFrame(
        {
            "config_id": pd.array([r["id"] for r in records], dtype="Int64"),
            "config_name": pd.array([r.get("name") for r in records], dtype="string"),
        }
    )
    if provenance is not None:
        frame.attrs.update(provenance.as_attrs())
    return {"configuration_list": frame, "rejected": pd.DataFrame()}


@pytest.fixture
def third_endpoint(monkeypatch, ll2):
    """``/spacecraft_configurations/`` declared for this test only, and served by the fake."""
    monkeypatch.setattr(endpoints, "ENDPOINTS", dict(endpoints.ENDPOINTS))
    ep = declare(
        name="spacecraft_configurations",
        path="spacecraft_configurations/",
        filters=("manufacturer", "in_use"),
        orderings=("id", "name"),
        expected_records=200,
        tidy="tests.test_endpoints:configuration_tables",
        tables=("configuration_list",),
    )
    configs = {r["spacecraft_config"]["id"]: r["spacecraft_config"] for r in ll2.records}
    ll2.endpoints[ep.name] = FakeEndpoint(ep.name, list(configs.values()), lambda rows, a: rows)
    return ep


def test_a_new_endpoint_is_one_declaration_over_the_same_client(
    third_endpoint, client, ll2, tmp_path
):
    with pytest.raises(ValueError, match="ordering='name': /spacecraft/ orders by"):
        client.sync(["spacecraft", "spacecraft_configurations"], {"ordering": "name"})
    sync = client.sync(
        ["spacecraft", "spacecraft_configurations"], {"spacecraft_configurations:ordering": "name"}
    )
    plan = sync.plan(client.throttle())
    assert [e.name for e in plan.endpoints] == ["spacecraft", "spacecraft_configurations"]
    result = sync.run()
    assert result.complete, result.problems
    configs = result["spacecraft_configurations"]
    assert configs.count == len(ll2.endpoints["spacecraft_configurations"].records)
    sent = ll2.requests_to("spacecraft_configurations")[0].args
    assert sent["ordering"] == "name,id" and sent["limit"] == "100"
    assert ll2.spacecraft_requests[0].args["ordering"] == "id"
    snap = write_snapshot(result, tmp_path / "snap")
    again = read_snapshot(tmp_path / "snap")
    assert again.endpoints == ("spacecraft", "spacecraft_configurations")
    assert len(again.records("spacecraft_configurations")) == configs.count
    built = third_endpoint.tidy_function()(
        again.records("spacecraft_configurations"), snap.provenance_for("spacecraft_configurations")
    )
    assert len(built["configuration_list"]) == configs.count
    assert built["configuration_list"].attrs["complete"] is True
