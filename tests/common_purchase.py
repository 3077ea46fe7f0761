"""Shared set-up for the ordering tests: the sandbox's "ITscope Partner-Test" distributor as a vendor, products
with its SKUs (made with the ORM), a 19 % purchase tax, and helpers to send, mirror, process documents and move the
sandbox clock."""

import base64
import contextlib
import pathlib
from unittest.mock import patch

from odoo import Command

from ..itscope import opentrans
from ..itscope.sandbox.catalogue import PARTNER_TEST_ID, catalogue_for
from .common import ItscopeCase

XSD_DIR = pathlib.Path(opentrans.__file__).resolve().parents[3] / "shared" / "opentrans" / "xsd"
MINUTE = 60


class ItscopeOrderCase(ItscopeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        run = cls.env["itscope.master.data"]._sync(cls.company)
        assert run.state == "done", run.failure
        cls.distributor = cls.env["itscope.distributor"].search(
            [("company_id", "=", cls.company.id), ("itscope_id", "=", str(PARTNER_TEST_ID))]
        )
        cls.distributor.action_create_vendor()
        cls.vendor = cls.distributor.partner_id
        # openTRANS invoices round VAT once per rate, as round_globally does.
        cls.company.write({"itscope_send_orders": True, "tax_calculation_rounding_method": "round_globally"})
        cls.tax = cls.env["account.tax"].create(
            {"name": "VAT 19% (purchase)", "amount": 19.0, "type_tax_use": "purchase", "company_id": cls.company.id}
        )
        cls.offers = {}
        for product in cls.catalogue.products():
            for item in product["supplierItem"]:
                if item["supplierId"] == PARTNER_TEST_ID and "contractTypeId" not in item:
                    cls.offers.setdefault(item["stockStatus"], []).append(item)
        cls.product = cls._product(cls.offers[1][0])

    def setUp(self):
        super().setUp()
        self.sandbox.state.pop("business", None)  # no deals from an earlier test
        self.sandbox.lift_block()
        del self.sandbox.log[:]

    # ------------------------------------------------------------
    # Factories
    # ------------------------------------------------------------

    @classmethod
    def _product(cls, item, sku=None, **vals):
        """A storable product sold by the test distributor under ``sku`` (default: the offer's SKU)."""
        template = cls.env["product.template"].create(
            {
                "name": item["productName"],
                "type": "consu",
                "is_storable": True,
                "barcode": item.get("ean"),
                "supplier_taxes_id": [Command.set(cls.tax.ids)],
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": cls.vendor.id,
                            "product_code": sku or item["supplierSKU"],
                            "price": item["price"],
                        }
                    )
                ],
                **vals,
            }
        )
        return template.product_variant_id

    def _confirm_lifecycle_order(self):
        """Confirm the order the sandbox plays a whole deal through: the product (serial-tracked, 2 units) and one
        ordered beyond the distributor's stock (it ships in two parts), with the distributor's freight on a shipping
        line. Keeps the order, its lines by product, both products, the backordered offer and the receipt on the
        test."""
        self.shipping = self.env["product.product"].create(
            {"name": "Freight", "type": "service", "supplier_taxes_id": [Command.set(self.tax.ids)]}
        )
        self.distributor.write({"shipping_product_id": self.shipping.id, "shipping_cost": 9.90})
        self.product.tracking = "serial"
        self.backorder_item = min(self.offers[3], key=lambda item: item["stock"])
        self.serialized, self.plain = self.product, self._product(self.backorder_item)
        self.order = self._order([(self.serialized, 2), (self.plain, self.backorder_item["stock"] + 2)])
        self.lines = {line.product_id: line for line in self.order.order_line}
        self.order.button_confirm()
        self.assertEqual((self.order.itscope_send_state, self.order.itscope_status), ("sent", "SENT"))
        self.receipt = self.order.picking_ids
        self.assertEqual(len(self.receipt), 1)

    def _document(self, order, xml, doc_type="ORDERRESPONSE"):
        """An incoming document of ``order`` with ``xml`` as its content, as if downloaded, still to process."""
        return self.env["itscope.document"].create(
            {
                "company_id": self.company.id,
                "purchase_id": order.id,
                "direction": "in",
                "doc_type": doc_type,
                "transaction_id": "test-%s-%s" % (len(xml), self.env["itscope.document"].search_count([])),
                "xml_file": base64.b64encode(xml),
            }
        )

    def _order(self, lines, partner=None, **vals):
        """An RFQ for ``lines`` = ``[(product, quantity)]``, by default to the test distributor."""
        return self.env["purchase.order"].create(
            {
                "partner_id": (partner or self.vendor).id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_qty": quantity}) for product, quantity in lines
                ],
                **vals,
            }
        )

    # ------------------------------------------------------------
    # Sandbox
    # ------------------------------------------------------------

    def _deals_of(self, order):
        business = self.sandbox.state.get("business")
        return [deal for deal in business.deals.values() if deal.order.order_id == order.name] if business else []

    def _posts(self):
        return [entry for entry in self.sandbox.api_requests("/deals/purchase/send") if entry.method == "POST"]

    def _advance(self, minutes):
        self.sandbox.clock.advance(minutes * MINUTE)

    def _mirror(self):
        run = self.env["itscope.order.exchange"]._sync_deals(self.company)
        self.assertIn(run.state, ("done", "partial"), run.failure)
        return run

    def _fetch(self):
        run = self.env["itscope.document"]._itscope_fetch_documents(self.company)
        self.assertNotEqual(run.state, "failed", run.failure)
        return run

    def _follow(self, minutes):
        """Let the sandbox's deal move on ``minutes``, then mirror the deals and process the new documents."""
        self._advance(minutes)
        self._mirror()
        self._fetch()

    @contextlib.contextmanager
    def _short_timeout(self, read=0.5):
        """ITscope clients that give up waiting for an answer after ``read`` seconds."""
        service_class = type(self.env["itscope.service"])
        original = service_class._client

        def client(service, company):
            itscope_client = original(service, company)
            itscope_client.timeout = (2, read)
            return itscope_client

        with patch.object(service_class, "_client", client):
            yield
