from odoo import Command, api, models
from odoo.tools import format_amount

from ..itscope.errors import ItscopeDocumentError


class ItscopeDocumentProcessInvoice(models.AbstractModel):
    """INVOICE: the distributor's invoice becomes a draft vendor bill of the order, a credit note a draft vendor
    credit note."""

    _name = "itscope.document.process.invoice"
    _inherit = "itscope.document.process"
    _description = "ITscope Invoice Processor"

    @api.model
    def _process(self, document, parsed):
        """A draft vendor bill (a credit note: a draft vendor credit note, linked to the bill it corrects when that is
        here) from the INVOICE, its lines linked to the lines of the orders it bills, surcharges as extra lines; the
        INVOICE's total is kept on the bill, which shows when its own total differs.

        A collective invoice names several orders: its lines are matched among all of them that the company sent to
        the same distributor, and the one bill links each to its own order line. Credit notes may write their
        amounts negative: the credit note takes them as positive amounts, as Odoo's credit notes hold them."""
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
        orders = order | self._orders_named(order, parsed)
        pairs = self._paired_lines(orders, parsed)
        credit = parsed.is_credit_note
        line_vals = [line._itscope_prepare_bill_line(item, credit=credit) for line, item in pairs]
        # Surcharges (freight) follow the main supply: the highest VAT rate of the goods.
        rates = [item.tax_rate for _line, item in pairs if item.tax_rate is not None]
        surcharge_rate = max(rates) if rates else None
        shipping_line = order.order_line.filtered("itscope_is_shipping")[:1]
        for charge in parsed.totals.extra:
            vals = order._itscope_prepare_charge_line(charge, surcharge_rate, shipping_line)
            if credit:
                vals["price_unit"] = abs(vals["price_unit"])
            line_vals.append(vals)
        move_type = "in_refund" if credit else "in_invoice"
        bill = (
            self.env["account.move"]
            .with_company(order.company_id)
            .with_context(default_move_type=move_type)
            .create(
                {
                    **order._prepare_invoice(),
                    "move_type": move_type,
                    "ref": parsed.document_id or order.partner_ref or "",
                    "invoice_date": parsed.document_date,
                    "invoice_line_ids": [Command.create(vals) for vals in line_vals],
                    "itscope_document_id": document.id,
                    "itscope_invoice_total": float(abs(parsed.totals.total) if credit else parsed.totals.total),
                    "reversed_entry_id": self._corrected_bill(order, parsed).id if credit else False,
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
        if credit:
            note = self.env._(
                "Draft vendor credit note created from the distributor's credit note %(invoice)s.",
                invoice=parsed.document_id,
            )
        else:
            note = self.env._(
                "Draft vendor bill created from the distributor's invoice %(invoice)s.", invoice=parsed.document_id
            )
        for billed in order | self.env["purchase.order.line"].concat(*(line for line, _item in pairs)).order_id:
            billed._itscope_sender().message_post(body=note)
        if bill.itscope_total_differs:
            bill.activity_schedule(
                "mail.mail_activity_data_warning",
                user_id=order.user_id.id or self.env.uid,
                summary=self.env._("The bill's total differs from the distributor's invoice"),
                note=self.env._(
                    "The invoice says %(expected)s, the bill adds up to %(actual)s. Check taxes and lines before "
                    "posting.",
                    expected=format_amount(self.env, float(parsed.totals.total), bill.currency_id),
                    actual=format_amount(self.env, bill.amount_total, bill.currency_id),
                ),
            )

    @api.model
    def _orders_named(self, order, parsed):
        """The company's other orders at the same distributor that the invoice names (by ITscope order id or our
        order number), for a collective invoice."""
        named = {parsed.order_id, *parsed.order_ids} - {None, ""}
        if not named - {order.itscope_order_id, order.name}:
            return self.env["purchase.order"]
        return self.env["purchase.order"].search(
            [
                ("company_id", "=", order.company_id.id),
                ("partner_id", "=", order.partner_id.id),
                ("id", "!=", order.id),
                "|",
                ("itscope_order_id", "in", list(named)),
                ("name", "in", list(named)),
            ]
        )

    @api.model
    def _corrected_bill(self, order, parsed):
        """The vendor bill a credit note corrects, when it names one we hold (its number as the bill's reference)."""
        corrected = {line.corrected_invoice_id for line in parsed.lines} - {None, ""}
        if not corrected:
            return self.env["account.move"]
        return self.env["account.move"].search(
            [
                ("company_id", "=", order.company_id.id),
                ("move_type", "=", "in_invoice"),
                ("commercial_partner_id", "=", order.partner_id.commercial_partner_id.id),
                ("ref", "in", sorted(corrected)),
            ],
            limit=1,
        )
