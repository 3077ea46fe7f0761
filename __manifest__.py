{
    "name": "ITscope Connector",
    "summary": "Buy from your IT distributors through ITscope without leaving Odoo: "
    "catalogue, prices, stock, openTRANS orders and documents",
    "version": "18.0.1.0.0",
    "category": "Inventory/Purchase",
    "license": "LGPL-3",
    "author": "ITscope Connector Team",
    "website": "https://www.itscope.com",
    "maintainers": [],
    "development_status": "Alpha",
    "depends": ["purchase_stock", "account"],
    "external_dependencies": {"python": ["requests", "lxml"]},
    "data": [
        "security/itscope_connector_groups.xml",
        "security/ir.model.access.csv",
        "security/itscope_connector_security.xml",
        "views/res_config_settings_views.xml",
        "views/itscope_connector_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "itscope_connector/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "application": False,
}
