# Every target sets up .venv itself, so each works on a fresh machine.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-dev
SEEDS  ?= ../shared/seeds
PORT   ?= 5006

.PHONY: setup dashboard run test lab lint bench bundled-snapshot plotly-bundle browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(STAMP)

## The main job: the dashboard on the bundled snapshot, offline.
dashboard: $(STAMP)
	$(VENV)/bin/spacedata serve --port $(PORT)

## What the bundled snapshot holds (no network).
run: $(STAMP)
	$(VENV)/bin/spacedata info

## Headless Chromium from Debian for the browser tests (Playwright's own download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: $(STAMP) browser
	$(PY) -m ruff check spacedata dashboards tests benchmarks
	$(PY) -m pytest

lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/

lint: $(STAMP)
	$(PY) -m ruff check spacedata dashboards tests benchmarks
	$(PY) -m ruff format --check spacedata dashboards tests benchmarks

bench: $(STAMP) browser
	$(PY) benchmarks/bench_data.py
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_sessions.py

## Rebuild data/bundled from the two real captures in ../shared/seeds.
bundled-snapshot: $(STAMP)
	$(VENV)/bin/spacedata import-captures $(SEEDS)/ll2-spacecraft-page-offset30.txt \
	  $(SEEDS)/ll2-spacecraft-page-offset300-ordering-flights.txt --out data/bundled

## Vendor plotly.js's cartesian bundle (npm, MIT) for the dashboard, at the version the installed
## Panel's Plotly pane expects (spacedata.dashboard.PLOTLY_JS).
plotly-bundle: $(STAMP)
	v=$$($(PY) -c 'from panel.models.plotly import PLOTLY_VERSION as v; print(v)') && \
	tmp=$$(mktemp -d) && \
	curl -sSfL -o $$tmp/p.tgz https://registry.npmjs.org/plotly.js-cartesian-dist-min/-/plotly.js-cartesian-dist-min-$$v.tgz && \
	tar -xzf $$tmp/p.tgz -C $$tmp package/plotly-cartesian.min.js && \
	mv $$tmp/package/plotly-cartesian.min.js spacedata/_static/plotly-cartesian-$$v.min.js; \
	status=$$?; rm -rf $$tmp; exit $$status

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache test-output
