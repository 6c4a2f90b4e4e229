# themeflow: every install and run step lives here (CI runs `make test` on a clean clone).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
TF     := $(VENV)/bin/themeflow
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench eval lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, then run the whole pipeline on the demo corpus in data/ and print where the report is.
## (--force: every stage runs, so you see it work; the committed artefacts come out byte-identical.)
demo: install
	$(TF) run --force
	$(TF) status
	$(TF) audit
	@echo "Report: $(CURDIR)/analysis/04-themes/report.html"

## test: install, then run the whole test suite
test: install
	$(PY) -m pytest -q -p no:cacheprovider

## bench: speed of ingest + code against a plain jieba pass (prints ratios)
bench: install
	$(PY) bench/bench.py

## eval: candidate quality of the shipped codebook on the held-out demo transcripts
eval: install
	$(PY) -m themeflow.evaluate data/gold --workspace .

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
