# The two commands of README.rst, and the benchmarks of later issues.
DB ?= itscope_demo
NO_SERVE ?=

.PHONY: demo test

demo:  ## Odoo 18 with the addon, pointed at a local ITscope sandbox, served on http://127.0.0.1:8069 (admin/admin)
	DB=$(DB) NO_SERVE=$(NO_SERVE) bash scripts/demo.sh

test:  ## the full test run: pure-Python tier always, Odoo tier whenever an Odoo 18.0 is found
	bash scripts/test.sh
