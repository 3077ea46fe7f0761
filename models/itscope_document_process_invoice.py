from odoo import Command, api, models

from ..itscope.errors import ItscopeDocumentError


class ItscopeDocumentProcessInvoice(models.AbstractModel):
    """INVOICE: the distributor's invoice becomes a draft vendor bill of the order."""

    _name = "itscope.document.process.invoice"
    _inherit = "itscope.document.process"
    _description = "ITscope Invoice Processor"

    @api.model
    def _process(self, document, parsed):
        """A draft vendor bill from the INVOICE, its lines linked to the order's, surcharges as extra lines; the
        INVOICE's total is kept on the bill, which shows when its own total differs."""
        order = document.purchase_id
        if parsed.currency and parsed.currency != order.currency_id.name:
            raise ItscopeDocumentError(
                self.env._(
                    "The invoice is in %(currency)s, the order in %(order_currency)s.",
                    currency=parsed.currency,
                    order_currency=order.currency_id.name,
                )
            )
        if parsed.totals.total is None:
            raise ItscopeDocumentError(self.env._("The invoice has no TOTAL_AMOUNT."))
        pairs = self._paired_lines(order, parsed)
        line_vals = [line._itscope_prepare_bill_line(item) for line, item in pairs]
        # Surcharges (freight) follow the main supply: the highest VAT rate of the goods.
        rates = [item.tax_rate for _line, item in pairs if item.tax_rate is not None]
        surcharge_rate = max(rates) if rates else None
        shipping_line = order.order_line.filtered("itscope_is_shipping")[:1]
        for charge in parsed.totals.extra:
            line_vals.append(order._itscope_prepare_charge_line(charge, surcharge_rate, shipping_line))
        bill = (
            self.env["account.move"]
            .with_company(order.company_id)
            .with_context(default_move_type="in_invoice")
            .create(
                {
                    **order._prepare_invoice(),
                    "ref": parsed.document_id or order.partner_ref or "",
                    "invoice_date": parsed.document_date,
                    "invoice_line_ids": [Command.create(vals) for vals in line_vals],
                    "itscope_document_id": document.id,
                    "itscope_invoice_total": float(parsed.totals.total),
                }
            )
        )
        self.env["ir.attachment"].create(
            [
                {"name": name, "datas": data, "res_model": "account.move", "res_id": bill.id}
                for name, data in (
                    (document.xml_filename, document.xml_file),
                    (document.pdf_filename, document.pdf_file),
                )
                if data
            ]
        )
        document.bill_id = bill
        order.message_post(
            body=self.env._(
                "Draft vendor bill created from the distributor's invoice %(invoice)s.", invoice=parsed.document_id
            )
        )
        if bill.itscope_total_differs:
            bill.activity_schedule(
                "mail.mail_activity_data_warning",
                user_id=order.user_id.id or self.env.uid,
                summary=self.env._("The bill's total differs from the distributor's invoice"),
                note=self.env._(
                    "The invoice says %(expected)s, the bill adds up to %(actual)s. Check taxes and lines before "
                    "posting.",
                    expected=parsed.totals.total,
                    actual=bill.amount_total,
                ),
            )
