# The Odoo parts load only when Odoo loads the addon; the plain `itscope` package inside stays importable on its own
# (pytest, `python -m itscope`), even where the repo directory itself is imported as a package.
if __name__.startswith("odoo.addons."):
    from . import controllers
    from . import models
    from . import wizards

    from odoo.tools import SQL

    def uninstall_hook(env):
        """Give ``product_supplierinfo`` back its default fillfactor, which the price refresh set for its own writes
        (see ``itscope.price.refresh.init``): without the addon, nothing rewrites vendor lines that often."""
        env.cr.execute(SQL("ALTER TABLE product_supplierinfo RESET (fillfactor)"))
