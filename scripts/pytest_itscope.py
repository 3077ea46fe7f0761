"""pytest plugin for the Odoo tier (loaded by scripts/test.sh with ``-p pytest_itscope``, beside pytest-odoo).

Odoo's own runner imports its test framework in test mode. pytest-odoo imports it while it reads the options, and
switches test mode on only around each test module, so Odoo logs an ERROR ("Importing test framework, avoid
importing from business modules") that would fail the tier, which fails on any ERROR line. scripts/test.sh therefore
starts Odoo in test mode (``--odoo-extra=test-enable``), and this plugin switches it off again before pytest-odoo
loads the registry: loading it in test mode would run every at_install test a second time, outside pytest.
"""

import pytest


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    if not config.getoption("--odoo-database", default=None):
        return
    from odoo.tools import config as odoo_config

    odoo_config["test_enable"] = False
