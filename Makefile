# The two commands a user needs: `make report` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
PARAMS ?=
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: venv lint test report index execute bench assignments grade clean

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[notebooks,test,bench,dask,stonesoup,assignments]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

# ruff's lint rules and formatting (configured in pyproject.toml); `ruff format .` fixes the latter.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Lint, unit tests, then every notebook under strict nbval (text outputs compared with the committed ones).
test: lint
	$(BIN)/python -c "import matplotlib.pyplot"  # build the font cache outside any notebook output
	$(BIN)/python -m pytest tests gmmlib notebooks --doctest-modules --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

# Run every notebook with papermill into reports/ and render HTML; PARAMS=file.yaml overrides parameters.
report: $(INSTALLED)
	$(BIN)/python -c "import matplotlib.pyplot"
	$(BIN)/python -m gmmlib.report $(if $(PARAMS),--params $(PARAMS)) $(NOTEBOOKS)

# Write reports/params/{small,large}.yaml and README.md's notebook table from notebooks/index.yaml,
# where every notebook is declared once (tests/test_notebooks.py checks that they agree).
index: $(INSTALLED)
	$(BIN)/python -m gmmlib.notebook_index

# Re-run the notebooks in place (after changing gmmlib or a notebook), so that their committed
# outputs match a clean top-to-bottom run.
execute: $(INSTALLED)
	$(BIN)/python -c "import matplotlib.pyplot"
	cd notebooks && for nb in $(notdir $(NOTEBOOKS)); do \
		../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
			--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=600 \
			--ExecutePreprocessor.record_timing=False $$nb || exit 1; \
	done

bench: $(INSTALLED)
	$(BIN)/python benchmarks/bench_em.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_tracking.py

# Course assignments (assignments/README.md): student notebooks and autograders into assignments/build/;
# ROSTER=file (one student per line) adds each student's copy with their own seed.
assignments: $(INSTALLED)
	$(BIN)/python assignments/tools/course.py build
	$(if $(ROSTER),$(BIN)/python assignments/tools/course.py handout $(ROSTER))

# Grade submitted notebooks locally: SUBMISSION=file.ipynb, or SUBMISSIONS=folder/ (also a CSV gradebook).
grade: $(INSTALLED)
	$(if $(SUBMISSION)$(SUBMISSIONS),,$(error give SUBMISSION=path/to/notebook.ipynb or SUBMISSIONS=folder/))
	$(BIN)/python assignments/tools/course.py grade $(or $(SUBMISSIONS),$(SUBMISSION)) $(GRADE_OPTIONS)

# Removes only what gmmlib generated in reports/ and output/ (folders and files listed in its markers): never
# reports/README.md, reports/params/ or a folder of yours. Standard library only, so it runs with or
# without the venv; -P keeps gmmlib/ off sys.path.
clean:
	$(PYTHON) -P gmmlib/outputs.py clean reports output
	rm -rf $(VENV) .pytest_cache .hypothesis
