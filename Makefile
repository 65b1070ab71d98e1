# Every target goes through dev.py, which creates .venv on first use.
.PHONY: help demo test lint reformat bench
help:      ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
demo:      ## Seed a demo installation and serve it
	python3 dev.py demo
test:      ## Lint and run the whole test suite
	python3 dev.py test
lint:      ## ruff check and format check
	python3 dev.py lint
reformat:  ## Apply ruff's fixes and formatting
	python3 dev.py lint || (.venv/bin/ruff check --fix . && .venv/bin/ruff format .)
bench:     ## Run every benchmark and print the figures
	python3 dev.py bench
