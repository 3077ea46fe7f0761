"""Shared set-up for the Odoo tests: a real sandbox over HTTP on 127.0.0.1 and a company pointed at it."""

from odoo.tests import TransactionCase

from ..itscope.sandbox import SandboxConfig, running_sandbox

SANDBOX_ACCOUNT = "test-account"
SANDBOX_KEY = "test-key-never-shown"


def start_sandbox(test_class, **config):
    """Run a sandbox for the whole test class; returns ``(sandbox, base_url)``."""
    config = SandboxConfig(**{"account_id": SANDBOX_ACCOUNT, "api_key": SANDBOX_KEY, "products": 200, **config})
    running = running_sandbox(config)
    sandbox, url = running.__enter__()
    test_class.addClassCleanup(running.__exit__, None, None, None)
    return sandbox, url


class ItscopeCase(TransactionCase):
    """A company connected to its own sandbox; tracking off; the request gate kept inside the test transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The gate writes through registry cursors; in test mode those share the test transaction and roll back.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.sandbox, cls.sandbox_url = start_sandbox(cls)
        cls.company = cls.env.company
        cls._connect(cls.company)

    @classmethod
    def _connect(cls, company, account=SANDBOX_ACCOUNT, key=SANDBOX_KEY, url=None):
        company.write(
            {"itscope_account_id": account, "itscope_api_key": key, "itscope_base_url": url or cls.sandbox_url}
        )

    @classmethod
    def _load_german(cls):
        """German active, with this addon's German terms (i18n/de.po) loaded as installing the language loads them."""
        cls.env["res.lang"]._activate_lang("de_DE")
        cls.env["ir.module.module"]._load_module_terms(["itscope_connector"], ["de_DE"], overwrite=True)

    @classmethod
    def _create_user(cls, login, groups, company=None):
        company = company or cls.env.company
        return cls.env["res.users"].create(
            {
                "name": login.title(),
                "login": login,
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, [cls.env.ref(group).id for group in groups])],
            }
        )
