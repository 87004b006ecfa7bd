# Every target sets up .venv itself, so each works on a fresh machine. `make run` installs the
# core only, `make dashboard` the `dashboard` extra, `make lab` the `lab` extra, `make test` (and
# lint, bench) the `dev` extra (which holds every other).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CORE    := $(VENV)/.installed-core
RUNTIME := $(VENV)/.installed-runtime
LAB     := $(VENV)/.installed-lab
STAMP   := $(VENV)/.installed-dev
LOWEST  := .venv-lowest
SEEDS  ?= ../shared/seeds
PORT   ?= 5006
# `make lab PORT=8899` serves JupyterLab there; without PORT it takes 8888.
LAB_PORT ?= $(if $(filter command line environment,$(origin PORT)),$(PORT),8888)
# Tests run the browser tests with this Chromium (`make test SPACEDATA_CHROMIUM=/path/to/chromium`).
ifdef SPACEDATA_CHROMIUM
export SPACEDATA_CHROMIUM
endif
# ... and this nginx (`make test SPACEDATA_NGINX=/path/to/nginx`).
ifdef SPACEDATA_NGINX
export SPACEDATA_NGINX
endif

.PHONY: setup dashboard run test test-fast test-lowest lab lint bench bundled-snapshot plotly-bundle browser nginx axe clean

# Setup says what it does and lets pip show its progress: the first install takes a while.
$(PY):
	@echo "Creating $(VENV) with $(PYTHON) and upgrading pip in it (a few seconds)..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(CORE): pyproject.toml | $(PY)
	@echo "Installing spacedata (the core: tables, charts, the command line) into $(VENV) (about 30 s; longer when pip must download)..."
	$(PY) -m pip install -e .
	touch $@

$(RUNTIME): pyproject.toml | $(PY)
	@echo "Installing spacedata with the dashboard (Panel) into $(VENV) (about 1 min; longer when pip must download)..."
	$(PY) -m pip install -e '.[dashboard]'
	touch $@ $(CORE)

$(LAB): pyproject.toml | $(PY)
	@echo "Installing spacedata with JupyterLab into $(VENV) (about 1-2 min; longer when pip must download)..."
	$(PY) -m pip install -e '.[lab]'
	touch $@ $(CORE)

$(STAMP): pyproject.toml | $(PY)
	@echo "Installing spacedata with the dev extras (tests, lint, docs) into $(VENV) (about 1-2 min; longer when pip must download)..."
	$(PY) -m pip install -e '.[dev]'
	touch $@ $(LAB) $(RUNTIME) $(CORE)

setup: $(STAMP)

## The main job: the dashboard on the best data it can get (the `dashboard` extra, no dev tools).
dashboard: $(RUNTIME)
	$(VENV)/bin/spacedata serve --port $(PORT)

## What the bundled snapshot holds (no network).
run: $(CORE)
	$(VENV)/bin/spacedata info

# One Debian package a group of tests needs, installed when it can be: $(call debian_tool,PACKAGE,
# ENV VARIABLE,BINARY PATH,WHICH TESTS). Nothing to do when the variable is set or the package's
# command is there. Without root or sudo it says so in one line and goes on: those tests are then
# skipped (pytest says how to enable them), except in CI (CI=true), where they fail.
define debian_tool
	@if [ -n "$$$(2)" ]; then \
	  echo "$(4) tests use $(2)=$$$(2)"; \
	elif command -v $(1) >/dev/null 2>&1 || [ -x $(3) ]; then \
	  :; \
	else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then SUDO=sudo; \
	  else SUDO=none; fi; \
	  if [ "$$SUDO" = none ]; then \
	    echo "No $(1) and no root or sudo to install it: $(4) tests will be skipped (set $(2)=/path/to/$(1), or run 'make $@' as root)"; \
	  else \
	    echo "Installing Debian's $(1) for the $(4) tests"; \
	    { $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(1) >/dev/null; } \
	      || echo "Could not install $(1): $(4) tests will be skipped (set $(2)=/path/to/$(1))"; \
	  fi; \
	fi
endef

## Headless Chromium from Debian for the browser tests (Playwright's own download cannot work
## here).
browser:
	$(call debian_tool,chromium,SPACEDATA_CHROMIUM,/usr/bin/chromium,browser)

## Debian's nginx for the proxy tests and benchmark (tests/test_proxy.py, benchmarks/bench_proxy.py
## run it as a plain foreground process on 127.0.0.1 with dashboards/nginx.conf, never as a
## service). (apt may start Debian's own nginx service, as on any Debian machine; the tests do
## not use it.)
nginx:
	$(call debian_tool,nginx,SPACEDATA_NGINX,/usr/sbin/nginx,proxy)

## axe-core (npm), which the accessibility browser tests inject into the page, into
## tests/node_modules at the version tests/package-lock.json pins (npm ci; again only when the
## lock file changes). Without npm it says so in one line and goes on: those tests are then
## skipped, except in CI (CI=true), where this fails.
AXE_STAMP := tests/node_modules/.package-lock.json
axe:
	@if [ -f $(AXE_STAMP) ] && [ $(AXE_STAMP) -nt tests/package-lock.json ]; then \
	  :; \
	elif command -v npm >/dev/null 2>&1; then \
	  echo "Installing axe-core for the accessibility tests (npm ci in tests/)"; \
	  npm ci --prefix tests --no-audit --no-fund --loglevel=error; \
	elif [ -n "$$CI" ] && [ "$$CI" != false ] && [ "$$CI" != 0 ]; then \
	  echo "CI without npm: cannot install axe-core for the accessibility tests" >&2; exit 1; \
	else \
	  echo "No npm: the accessibility tests will be skipped (install node and npm, then make axe)"; \
	fi

## Everything (what CI runs), on two workers (pytest-xdist; measured faster here than one, and
## than --dist loadscope). Session- and module-scoped fixtures are per worker. '-n 0': serial.
PYTEST_ARGS ?= -n 2
test: $(STAMP) browser nginx axe
	$(PY) -m ruff check spacedata dashboards tests benchmarks tools docs/hooks.py
	$(PY) -m pytest $(PYTEST_ARGS)

## The inner loop: everything but the slow groups (browser, notebook, installed, load).
FAST := not browser and not notebook and not installed and not load
test-fast: $(STAMP)
	$(PY) -m ruff check spacedata dashboards tests benchmarks tools docs/hooks.py
	$(PY) -m pytest $(PYTEST_ARGS) -m "$(FAST)"

## The suite on the lowest versions pyproject.toml allows for the direct dependencies
## (uv --resolution lowest-direct), in its own venv; the browser tests are left out by default
## (LOWEST_PYTEST='' runs everything). LOWEST_PYTHON=python3.10: the lowest Python too.
LOWEST_PYTEST ?= -m "not browser"
LOWEST_PYTHON ?= $(PYTHON)
test-lowest:
	$(LOWEST_PYTHON) -m venv --clear $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --upgrade pip uv
	$(LOWEST)/bin/uv pip install --quiet --python $(LOWEST)/bin/python --resolution lowest-direct -e '.[dev]'
	$(LOWEST)/bin/uv pip list --python $(LOWEST)/bin/python
	$(LOWEST)/bin/python -m pytest -p no:cacheprovider $(LOWEST_PYTEST)

## JupyterLab on notebooks/ at http://127.0.0.1:$(LAB_PORT) (as root too).
lab: $(LAB)
	$(VENV)/bin/jupyter lab notebooks/ --ip 127.0.0.1 --port $(LAB_PORT) --no-browser \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

lint: $(STAMP)
	$(PY) -m ruff check spacedata dashboards tests benchmarks tools docs/hooks.py
	$(PY) -m ruff format --check spacedata dashboards tests benchmarks tools docs/hooks.py

bench: $(STAMP) browser nginx
	$(PY) benchmarks/bench_data.py
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_sessions.py
	$(PY) benchmarks/bench_page_build.py
	$(PY) benchmarks/bench_proxy.py
	$(PY) benchmarks/bench_notebooks.py

## Rebuild data/bundled from the real captures in ../shared/seeds (two spacecraft pages and
## the 38-flight page), byte for byte, each page's origin in the manifest.
bundled-snapshot: $(STAMP)
	$(PY) tools/bundled_snapshot.py --seeds $(SEEDS) --out data/bundled

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
	rm -rf $(VENV) $(LOWEST) dist build .pytest_cache .ruff_cache test-output

## The classroom notebook from its one source (notebooks/04_classroom.ipynb), with nbconvert:
## build/classroom/student/ (no solutions: hand this out) and build/classroom/teacher/ (all).
CLASSROOM ?= build/classroom
.PHONY: classroom
classroom: $(STAMP)
	$(PY) tools/build_classroom.py --out $(CLASSROOM)
