"""ITscope as seen from Python: HTTP client, payload readers, openTRANS and a local sandbox.

This package imports nothing from Odoo (a test enforces it) and uses relative imports only, so it works both as
``itscope`` (``python -m itscope``, pytest) and as ``odoo.addons.itscope_connector.itscope``.
"""
