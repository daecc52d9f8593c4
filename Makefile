# Crossings: `make run` sets everything up and serves; `make test` checks everything.
# Works on a fresh Debian machine as root, or against any PostGIS reachable by DATABASE_URL.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/crossings
export DATABASE_URL

SAMPLES := data/sample/mmp_export_2014_2017.csv data/sample/mmp_current_layout_2014.csv

.PHONY: run setup venv assets postgres gdal chromium migrate boundaries sample test lint typecheck pytest screenshots bench clean

run: setup
	$(BIN)/crossings serve --host $(HOST) --port $(PORT)

setup: venv assets postgres migrate boundaries sample

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Leaflet, its plugins and Swagger UI, pinned and integrity-checked (maps/assets.toml): pages
# never load them from a CDN. Downloads once from the npm registry; nothing when current.
assets: venv
	$(BIN)/crossings assets fetch

postgres:
	bash .ci/ensure-postgis

# GDAL's ogrinfo: the OGC API Features tests read /ogc with it, as QGIS users would.
gdal:
	bash .ci/ensure-gdal

# Debian's chromium: the map pages are tested in a real headless browser (Playwright drives it).
chromium:
	bash .ci/ensure-chromium

migrate: venv postgres
	$(BIN)/crossings db upgrade

boundaries: migrate
	$(BIN)/crossings boundaries load --if-changed

# Each import runs the placement checks on the rows it changed, in its transaction, and links
# events (dedupe) only when it changed something: on a set-up database both files are skipped
# and nothing is checked or linked again. After a boundaries change: crossings quality check.
# The precision pass runs in each import; `quality precision --only-unset` gives it to records
# imported before it existed (a scan of incidents and nothing more when there are none).
sample: boundaries
	for f in $(SAMPLES); do $(BIN)/crossings import mmp "$$f" || exit 1; done
	$(BIN)/crossings quality precision --only-unset
	$(BIN)/crossings db analyze

lint: venv
	$(BIN)/ruff check geo api maps boundaries tests bench
	$(BIN)/ruff format --check geo api maps boundaries tests bench

typecheck: venv
	$(BIN)/mypy

pytest: venv assets postgres gdal chromium
	$(BIN)/pytest -q

# The browser tests again, writing their screenshots to docs/img/ (never done by `make test`).
screenshots: venv assets postgres chromium
	CROSSINGS_SCREENSHOTS=1 $(BIN)/pytest -q -m browser

test: lint typecheck pytest

bench: setup
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
