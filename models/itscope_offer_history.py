from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, create_index


class ItscopeOfferHistory(models.Model):
    """The state an ITscope offer took each time the price refresh changed it: the price-and-stock history behind the
    graph on a product's ITscope Offers tab.

    Rows are written by the refresh itself, set-based, in the transaction that changes the offers (one INSERT ...
    SELECT per chunk from the vendor lines it wrote), so history and offers never disagree and an unchanged offer
    adds no row. Each company keeps them for its retention period (``itscope_offer_history_days``); the refresh cron
    prunes the older ones.

    A refresh can write 100,000 rows at once, so the rows are narrow and the table is this model's own
    (``_auto = False``, created in :meth:`init`): no write columns (``_log_access``), and no foreign keys, whose
    checks cost about a second per key and 100,000 rows. What the keys would cascade is done by the unlink of
    products and vendors (:meth:`_forget`).
    """

    _name = "itscope.offer.history"
    _description = "ITscope Offer History"
    _order = "changed_at desc, id desc"
    _auto = False
    _log_access = False

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    product_tmpl_id = fields.Many2one("product.template", string="Product", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Distributor", readonly=True)
    offer_id = fields.Char(string="ITscope Offer ID", readonly=True)
    changed_at = fields.Datetime(string="Changed", required=True, readonly=True)
    price = fields.Float(digits="Product Price", aggregator="avg", readonly=True)
    stock = fields.Integer(string="Distributor Stock", aggregator="avg", readonly=True)
    available = fields.Boolean(string="Offered on ITscope", readonly=True)

    def init(self):
        cr = self.env.cr
        cr.execute(
            SQL(
                """CREATE TABLE IF NOT EXISTS itscope_offer_history (
                       id serial PRIMARY KEY, company_id integer NOT NULL, product_tmpl_id integer NOT NULL,
                       partner_id integer, offer_id varchar, changed_at timestamp NOT NULL, price numeric,
                       stock integer, available boolean
                   )"""
            )
        )
        create_index(cr, "itscope_offer_history_product_tmpl_id_index", self._table, ["product_tmpl_id"])
        # Rows arrive in time order, so a BRIN index finds the old ones to prune at almost no cost per insert.
        create_index(cr, "itscope_offer_history_changed_at_brin", self._table, ["changed_at"], method="brin")

    # The vendor-line columns a history row is made of, and the row made of them (``written``: the lines as changed).
    _RECORDED = ("company_id", "product_tmpl_id", "partner_id", "itscope_offer_id", "price", "itscope_stock",
                 "itscope_available")  # fmt: skip
    _INSERT = """
        INSERT INTO itscope_offer_history
               (company_id, product_tmpl_id, partner_id, offer_id, changed_at, price, stock, available)
        SELECT si.company_id, si.product_tmpl_id, si.partner_id, si.itscope_offer_id, %(at)s, si.price,
               si.itscope_stock, si.itscope_available
          FROM %(lines)s si
    """

    @api.model
    def _keeps(self, company):
        """Whether ``company`` keeps an offer history."""
        return company.itscope_offer_history_days > 0

    @api.model
    def _recording(self, company, at):
        """What :func:`bulk_sql.update_changed` needs (``written=``) to keep the vendor lines it writes as changed
        ``at``, in its own statement: the history rows come from the UPDATE's RETURNING (the lines' new values), with
        no second pass over the vendor lines; None when ``company`` keeps no history."""
        if not self._keeps(company):
            return None
        return self._RECORDED, SQL(self._INSERT, at=at, lines=SQL("written"))

    @api.model
    def _record(self, company, supplierinfo_ids, at):
        """Keep the current state of the vendor lines ``supplierinfo_ids`` as changed ``at``, in one statement;
        nothing when ``company`` keeps no history. (The refresh's bulk of changes is kept by :meth:`_recording`.)"""
        if not supplierinfo_ids or not self._keeps(company):
            return
        self.env.cr.execute(
            SQL(
                self._INSERT + " WHERE si.id = ANY(%(ids)s)",
                at=at,
                lines=SQL("product_supplierinfo"),
                ids=list(supplierinfo_ids),
            )
        )

    @api.model
    def _prune(self, companies):
        """Drop the history each of ``companies`` keeps no longer (its retention period in days)."""
        now = fields.Datetime.now()
        for company in companies:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM itscope_offer_history WHERE company_id = %s AND changed_at < %s",
                    company.id,
                    now - timedelta(days=max(company.itscope_offer_history_days, 0)),
                )
            )

    @api.model
    def _forget(self, templates=None, partners=None):
        """Drop the history of the product ``templates`` or the vendors ``partners`` being deleted."""
        if templates:
            self.env.cr.execute(SQL("DELETE FROM itscope_offer_history WHERE product_tmpl_id = ANY(%s)", templates.ids))
        if partners:
            self.env.cr.execute(SQL("DELETE FROM itscope_offer_history WHERE partner_id = ANY(%s)", partners.ids))
