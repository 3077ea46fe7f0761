# The two commands of README.rst, and the benchmarks of later issues.
DB ?= itscope_demo
NO_SERVE ?=

.PHONY: demo test lint readme

demo:  ## Odoo 18 with the addon, pointed at a local ITscope sandbox, served on http://127.0.0.1:8069 (admin/admin)
	DB=$(DB) NO_SERVE=$(NO_SERVE) bash scripts/demo.sh

test:  ## the full test run: pure-Python tier always, Odoo tier whenever an Odoo 18.0 is found
	bash scripts/test.sh

lint:  ## the lint gate of .pre-commit-config.yaml (ruff, pylint-odoo, OCA's XML/manifest checks), tools from PyPI
	bash scripts/lint.sh

readme:  ## regenerate README.rst and static/description/index.html from the readme/ fragments
	bash -c 'source scripts/odoo-env.sh && { ensure_odoo || { no_odoo_help; exit 1; }; } && exec "$$ODOO_PYTHON" scripts/gen_readme.py'

SCREENSHOTS_PORT ?= 18769

.PHONY: screenshots

screenshots:  ## the purchaser's day tour (German, headless Chromium) on a fresh database, its pictures into static/description/screenshots/ (README Usage)
	bash -c 'set -e; source scripts/odoo-env.sh; ensure_odoo || { no_odoo_help; exit 1; }; ensure_postgres; \
		"$$ODOO_PYTHON" -c "import websocket" 2>/dev/null || "$$ODOO_PYTHON" -m pip install -q websocket-client; \
		db=itscope_screenshots_$$$$; trap "dropdb --if-exists $$db" EXIT; \
		echo "The day tour on the fresh database $$db: a few minutes"; \
		ITSCOPE_SCREENSHOTS="$(CURDIR)/static/description/screenshots" "$$ODOO_PYTHON" -m odoo -d $$db \
			--addons-path="$$(odoo_addons_path)" -i itscope_connector --without-demo=all --test-enable \
			--test-tags /itscope_connector:TestPurchaserDayTour --stop-after-init --max-cron-threads=0 \
			--http-interface=127.0.0.1 --http-port=$(SCREENSHOTS_PORT) --log-level=warn; \
		ls -l static/description/screenshots'

N ?= 10000
FORMAT ?= csv

.PHONY: bench

bench:  ## catalogue import benchmark: an export of N products with 3 offers each in FORMAT (csv, json or xml), vs base_import, then unchanged, then 10% changed (README)
	bash -c 'source scripts/odoo-env.sh && { ensure_odoo || { no_odoo_help; exit 1; }; } && ensure_postgres && \
		exec "$$ODOO_PYTHON" scripts/bench_import.py --products $(N) --format $(FORMAT) --addons-path "$$(odoo_addons_path)"'

.PHONY: bench-prices

bench-prices:  ## price refresh benchmark: N offers all changing, refresh writer vs grouped ORM writes, then unchanged (README)
	bash -c 'source scripts/odoo-env.sh && { ensure_odoo || { no_odoo_help; exit 1; }; } && ensure_postgres && \
		exec "$$ODOO_PYTHON" scripts/bench_prices.py --offers $(N) --addons-path "$$(odoo_addons_path)"'

.PHONY: bench-workers

bench-workers:  ## parallel export import: N new products imported by 1 and by 2 cron workers (README Benchmarks)
	bash -c 'source scripts/odoo-env.sh && { ensure_odoo || { no_odoo_help; exit 1; }; } && ensure_postgres && \
		exec "$$ODOO_PYTHON" scripts/bench_workers.py --products $(N) --format $(or $(FORMAT),csv) --addons-path "$$(odoo_addons_path)"'
