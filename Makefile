.PHONY: run test fmt lint bench

run:  ## the app on the embedded default, demo data loaded, at http://127.0.0.1:8000
	scripts/run

test:  ## the test suite (embedded default unless DATABASE_URL etc. are set)
	scripts/test

fmt:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

lint:
	.venv/bin/ruff format --check . && .venv/bin/ruff check .
