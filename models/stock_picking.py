from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    itscope_tracking_ref = fields.Char(
        string="Tracking Numbers", copy=False, help="Shipment numbers from the distributor's dispatch notifications."
    )
    itscope_tracking_url = fields.Char(string="Tracking URL", copy=False)
    itscope_carrier = fields.Char(string="Carrier", copy=False)
    itscope_package_ids = fields.Char(string="Package IDs", copy=False)

    def _itscope_add_shipment(self, shipment, line_packages=()):
        """Add a DISPATCHNOTIFICATION's tracking facts and the ids of its packages, the shipment's and those its lines
        name; a receipt served by several shipments lists them all."""
        packages = [*(shipment.packages if shipment else ()), *line_packages]
        package_ids = [other for package in packages for other in (package.package_id, *package.other_ids)]
        for picking in self:
            picking.write(
                {
                    "itscope_tracking_ref": _joined(picking.itscope_tracking_ref, [shipment and shipment.shipment_id]),
                    "itscope_package_ids": _joined(picking.itscope_package_ids, package_ids),
                    "itscope_tracking_url": shipment and shipment.tracking_url or picking.itscope_tracking_url,
                    "itscope_carrier": shipment and shipment.carrier or picking.itscope_carrier,
                }
            )


def _joined(current, new):
    """``current`` (comma-separated) with the ``new`` values it lacks appended."""
    values = [value for value in (current or "").split(", ") if value]
    values += [value for value in new if value and value not in values]
    return ", ".join(values) or False
