"""Open RFQs told at once when their source got worse or a better one appeared: run after every price refresh.

A line of a draft or sent RFQ is judged when the refresh changed any offer of its product, in one statement over the
refresh's changed vendor lines: its vendor's offer (the one the line shows: an available one first, then the
cheapest) ran out of stock or is no longer listed, its price rose above the line's price, or another partnered
distributor offers the quantity in stock for less. Offers in another currency are compared in the RFQ's, converted at
the RFQ's date as Odoo converts them (``res.currency._convert``). The cheapest such offer is kept on the line for
one-click switching. Lines at a project or special-bid price are not judged on price. The buyer gets one warning
activity per RFQ whose lines were newly flagged, and none while one is still open.
"""

from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL

_JUDGE_AND_FLAG = """
    WITH touched AS (
        SELECT product_tmpl_id FROM product_supplierinfo WHERE id = ANY(%(written)s)
         UNION
        SELECT unnest(%(products)s::int[])
    ), rate (from_id, to_id, day, factor) AS (
        %(rates)s
    ), open_line AS (
        SELECT pol.id, pol.order_id, pol.product_id, pp.product_tmpl_id, pol.product_qty, pol.price_unit,
               po.currency_id, po.date_order::date AS day, vendor.commercial_partner_id AS vendor_id,
               pol.itscope_source_flag AS previous_flag, pol.itscope_better_offer_id AS previous_offer,
               (pol.itscope_project_id IS NOT NULL OR pol.itscope_special_bid_id IS NOT NULL) AS project_price
          FROM purchase_order_line pol
          JOIN purchase_order po ON po.id = pol.order_id
          JOIN res_partner vendor ON vendor.id = po.partner_id
          JOIN product_product pp ON pp.id = pol.product_id
         WHERE po.company_id = %(company)s AND po.state IN ('draft', 'sent') AND pol.display_type IS NULL
           AND pol.itscope_is_shipping IS NOT TRUE
           AND pp.product_tmpl_id IN (SELECT product_tmpl_id FROM touched)
    ), offer AS (
        -- The company's ITscope offers of the touched products, each price in the currency of each open line of its
        -- product, converted at the RFQ's date as Odoo converts it (NULL: no rate known).
        SELECT line.id AS line_id, si.id, si.partner_id, si.itscope_stock, si.itscope_available,
               CASE WHEN si.currency_id = line.currency_id THEN si.price
                    ELSE round(si.price * rate.factor, %(price_digits)s)
               END AS line_price
          FROM open_line line
          JOIN product_supplierinfo si
            ON si.product_tmpl_id = line.product_tmpl_id AND si.itscope_offer_id IS NOT NULL
           AND (si.product_id IS NULL OR si.product_id = line.product_id)
           AND (si.company_id IS NULL OR si.company_id = %(company)s)
          LEFT JOIN rate
            ON rate.from_id = si.currency_id AND rate.to_id = line.currency_id AND rate.day = line.day
    ), judged AS (
        SELECT line.id, line.previous_flag, line.previous_offer,
               CASE
                   WHEN own.id IS NOT NULL AND (NOT own.itscope_available OR own.itscope_stock <= 0)
                       THEN 'out_of_stock'
                   WHEN NOT line.project_price AND own.line_price > line.price_unit
                       THEN 'price_rose'
                   WHEN NOT line.project_price AND better.line_price < COALESCE(own.line_price, line.price_unit)
                       THEN 'cheaper_elsewhere'
               END AS flag,
               better.id AS better_id, better.line_price AS better_price, own.line_price AS own_price
          FROM open_line line
          LEFT JOIN LATERAL (
              SELECT offer.id, offer.line_price, offer.itscope_stock, offer.itscope_available
                FROM offer
               WHERE offer.line_id = line.id AND offer.partner_id = line.vendor_id
               ORDER BY offer.itscope_available IS NOT TRUE, offer.line_price NULLS LAST, offer.id
               LIMIT 1
          ) own ON true
          LEFT JOIN LATERAL (
              SELECT offer.id, offer.line_price
                FROM offer
                JOIN itscope_distributor distributor
                  ON distributor.partner_id = offer.partner_id AND distributor.company_id = %(company)s
                 AND distributor.partnered
               WHERE offer.line_id = line.id AND offer.partner_id != line.vendor_id
                 AND offer.itscope_available AND offer.itscope_stock >= line.product_qty
                 AND offer.line_price IS NOT NULL
               ORDER BY offer.line_price, offer.id
               LIMIT 1
          ) better ON true
    ), decided AS (
        SELECT id, previous_flag, previous_offer, flag,
               CASE WHEN flag = 'out_of_stock' OR (flag IS NOT NULL AND better_price < COALESCE(own_price, 'Infinity'))
                   THEN better_id
               END AS offer
          FROM judged
    )
    UPDATE purchase_order_line pol
       SET itscope_source_flag = decided.flag, itscope_better_offer_id = decided.offer,
           write_uid = %(uid)s, write_date = %(now)s
      FROM decided
     WHERE pol.id = decided.id
       AND (decided.previous_flag, decided.previous_offer) IS DISTINCT FROM (decided.flag, decided.offer)
 RETURNING pol.id, decided.flag IS NOT NULL AND decided.flag IS DISTINCT FROM decided.previous_flag
"""


class ItscopeSourceWatch(models.AbstractModel):
    _name = "itscope.source.watch"
    _description = "ITscope Source Watch on Open RFQs"

    @api.model
    def _flag_open_rfqs(self, company, written, products=None):
        """Judge the open RFQ lines of ``company`` whose product has an offer among the vendor lines ``written`` by a
        refresh, or is one of the product templates ``products`` (a check of an RFQ judges its products even when
        their offers did not change), see the module docstring; returns the lines whose flag changed."""
        if not written and not products:
            return self.env["purchase.order.line"]
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                _JUDGE_AND_FLAG,
                written=list(written),
                products=products.ids if products else [],
                rates=self._rates(company),
                price_digits=self.env["purchase.order.line"]._fields["price_unit"].get_digits(self.env)[1],
                company=company.id,
                uid=self.env.uid,
                now=self.env.cr.now(),
            )
        )
        rows = self.env.cr.fetchall()
        lines = self.env["purchase.order.line"].browse([line_id for line_id, _new in rows])
        lines.invalidate_recordset(["itscope_source_flag", "itscope_better_offer_id"])
        newly_flagged = lines.browse([line_id for line_id, new in rows if new])
        for order in newly_flagged.order_id:
            self._warn_buyer(order, newly_flagged.filtered(lambda line, order=order: line.order_id == order))
        return lines

    @api.model
    def _rates(self, company):
        """The rows ``(from currency, to currency, day, factor)`` that convert the currencies of ``company``'s ITscope
        offers into those of its open RFQs, at each RFQ's date, by Odoo's rates (``res.currency._convert``); an SQL
        query. Few rows: a company buys in a few currencies, and an RFQ stays open for days, not years."""
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT DISTINCT currency_id, date_order::date FROM purchase_order
                    WHERE company_id = %s AND state IN ('draft', 'sent') AND currency_id IS NOT NULL""",
                company.id,
            )
        )
        targets = cr.fetchall()
        cr.execute(
            SQL(
                """SELECT DISTINCT currency_id FROM product_supplierinfo
                    WHERE itscope_offer_id IS NOT NULL AND (company_id IS NULL OR company_id = %s)""",
                company.id,
            )
        )
        Currency = self.env["res.currency"]
        sources = Currency.browse([currency_id for (currency_id,) in cr.fetchall()])
        rows = [
            SQL(
                "(%s, %s, %s::date, %s::numeric)",
                source.id,
                target_id,
                day,
                source._convert(1.0, Currency.browse(target_id), company, day, round=False),
            )
            for source in sources
            for target_id, day in targets
            if source.id != target_id
        ]
        if not rows:
            return SQL("SELECT NULL::int, NULL::int, NULL::date, NULL::numeric WHERE false")
        return SQL("VALUES %s", SQL(", ").join(rows))

    @api.model
    def _warn_buyer(self, order, lines):
        """One warning activity on ``order`` naming its newly flagged ``lines``, in the buyer's language."""
        order = order.with_context(lang=order.user_id.lang or self.env.lang)
        notes = Markup("").join(
            Markup("<li>%s</li>") % line._itscope_source_note() for line in lines.with_env(order.env)
        )
        order._itscope_warn_buyer(
            order.env._("ITscope: a better source or a changed offer"),
            Markup("%s<ul>%s</ul>%s")
            % (
                order.env._("The last price refresh changed the offers of these lines:"),
                notes,
                order.env._("Switch a line to the offer named, or run Best source on the RFQ."),
            ),
        )
