# The Odoo parts load only when Odoo loads the addon; the plain `itscope` package inside stays importable on its own
# (pytest, `python -m itscope`), even where the repo directory itself is imported as a package.
if __name__.startswith("odoo.addons."):
    from . import controllers
    from . import models
    from . import wizards
