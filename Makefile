# nrhub — commandes de développement. `make run` et `make test` suffisent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
FLASK := NRHUB_ENV=$${NRHUB_ENV:-development} $(BIN)/flask --app nrhub
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck bench demo db venv translations translations-update clean format

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 ou plus récent est requis." if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

venv: $(STAMP)

translations: venv
	@$(BIN)/pybabel compile -f -d nrhub/translations

# After changing interface strings: extract them and merge into the English catalogue.
translations-update: venv
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k n_:1,2 -o nrhub/translations/messages.pot .
	$(BIN)/pybabel -q update -i nrhub/translations/messages.pot -d nrhub/translations

db: venv translations
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

run: demo
	@echo "nrhub est servi sur http://127.0.0.1:5000 (Ctrl+C pour arrêter)"
	$(FLASK) run --host 127.0.0.1 --port 5000

# Both passes run on two xdist workers, each with its own throw-away database (SQLite: a
# temporary file; PostgreSQL: <TEST_DATABASE_URL's database>_gw0 and _gw1, created and
# dropped by tests/conftest.py).
# `--dist loadgroup` is meant to keep the browser tests (xdist_group "browser") in one
# worker, i.e. one gunicorn on its own SQLite demo database. NB: pytest-xdist 3.8 does not
# apply the groups under pytest 9.2 (it renames item._nodeid, pytest now reads item._id), so
# today each worker may start its own server; the browser fixtures are written for that.
# !!! The PostgreSQL pass DESELECTS the browser tests (-m "not browser"): they do not use
# !!! TEST_DATABASE_URL but their own server and SQLite file, so they already ran above.
test: venv translations
	$(PY) -m pytest -q -n 2 --dist loadgroup
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== Même suite sur PostgreSQL (sans les tests navigateur, déjà passés) =="; \
		NRHUB_TEST_BACKEND=postgresql $(PY) -m pytest -q -n 2 -m "not browser"; \
	fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r nrhub config.py --severity-level medium
	$(BIN)/mypy

# Strict mypy on nrhub/ (pyproject.toml, [tool.mypy]); `make lint` (and so .ci/run) runs it too.
typecheck: venv
	$(BIN)/mypy

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# SQLite, then PostgreSQL when BENCH_DATABASE_URL is set (README, « Mesures de performance »).
# The HTTP benches load gunicorn with wrk: installed here when missing, as root.
bench: venv translations
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "== Installation de wrk (paquet Debian), pour les mesures HTTP =="; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "make bench a besoin de wrk : apt-get install wrk (Debian, Ubuntu)"; exit 1; \
		fi; \
	fi
	$(PY) -m bench

clean:
	rm -rf $(VENV) instance/nrhub.sqlite3*
