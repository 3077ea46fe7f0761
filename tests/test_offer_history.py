from datetime import datetime, timedelta, timezone
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from ..itscope.sandbox.catalogue import catalogue_for
from .common import ItscopeCase
from .test_price_refresh import import_catalogue

PRODUCTS = 30


@tagged("post_install", "-at_install")
class TestOfferHistory(ItscopeCase):
    """Each change the price refresh writes is kept, set-based, within the company's retention; the product's Offers
    tab opens it as a graph per distributor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.catalogue = catalogue_for(cls.sandbox)
        cls.offers = import_catalogue(cls.company, cls.catalogue, PRODUCTS)
        cls.History = cls.env["itscope.offer.history"]

    def _refresh(self):
        run = self.env["itscope.price.refresh"]._refresh(self.company)
        self.assertEqual(run.state, "done", run.failure or run.error_log)
        return run

    def _tick_and_refresh(self):
        """Move the sandbox one generation on and refresh; returns the run and the history rows it added."""
        before = self.History.search([])
        self.catalogue.tick(datetime.now(timezone.utc))
        run = self._refresh()
        return run, self.History.search([]) - before

    def test_each_change_is_kept_and_an_unchanged_offer_adds_nothing(self):
        self._refresh()  # catch up with whatever generation the sandbox is at
        state = {line.itscope_offer_id: _state(line) for line in self.offers}
        run, added = self._tick_and_refresh()
        self.assertTrue(added, "a tick changes some offers")
        self.assertEqual(len(added), run.updated_count, "one row per offer the refresh changed")
        self.env.invalidate_all()
        for row in added:
            line = self.offers.filtered(lambda line, row=row: line.itscope_offer_id == row.offer_id)
            self.assertRecordValues(
                row,
                [
                    {
                        "company_id": self.company.id,
                        "product_tmpl_id": line.product_tmpl_id.id,
                        "partner_id": line.partner_id.id,
                        "price": line.price,
                        "stock": line.itscope_stock,
                        "available": True,
                    }
                ],
            )
            self.assertNotEqual(state[row.offer_id], _state(line), "only offers that changed")
        self.assertEqual(len(set(added.mapped("changed_at"))), 1, "written in the refresh's own statement time")
        unchanged = self.History.search_count([])
        self._refresh()
        self.assertEqual(self.History.search_count([]), unchanged, "a refresh that changes nothing keeps nothing")

    def test_history_rows_come_from_the_update_that_changes_the_offers(self):
        """One statement per chunk changes the offers and keeps them (the UPDATE's RETURNING feeds the history's
        INSERT): no second pass over the vendor lines; and the vendor lines leave room for their next version, so
        their rewrites can stay off the indexes (HOT updates)."""
        self._refresh()  # catch up with whatever generation the sandbox is at
        self.env.flush_all()
        statements = []
        execute = type(self.env.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            statements.append(query.code if isinstance(query, SQL) else str(query))
            return execute(cr, query, params, log_exceptions)

        stats = """SELECT COALESCE(sum(n_tup_upd), 0), COALESCE(sum(n_tup_hot_upd), 0) FROM pg_stat_xact_user_tables
                    WHERE relname = 'product_supplierinfo'"""
        self.env.cr.execute(stats)
        updated, hot = self.env.cr.fetchone()
        with patch.object(type(self.env.cr), "execute", spy):
            _run, added = self._tick_and_refresh()
        self.assertTrue(added)
        keeping = [code for code in statements if "INSERT INTO itscope_offer_history" in code]
        self.assertEqual(len(keeping), 1, "one chunk, one statement keeps its changes")
        self.assertIn('UPDATE "product_supplierinfo"', keeping[0], "the statement that changes the offers")
        self.env.cr.execute(stats)
        updated_after, hot_after = self.env.cr.fetchone()
        self.assertGreaterEqual(updated_after - updated, len(added))
        # How many rewrites find room on their page depends on what this transaction already rewrote there (row
        # versions of one open transaction cannot be pruned); the benchmark measures all of them HOT on committed
        # data. Here: the table leaves the room, and the refresh's rewrites use it.
        self.env.cr.execute("SELECT reloptions FROM pg_class WHERE relname = 'product_supplierinfo'")
        self.assertIn("fillfactor=50", self.env.cr.fetchone()[0] or [])
        self.assertGreater(hot_after - hot, 0, "vendor lines rewritten in place")

    def test_company_keeping_no_history_records_none(self):
        self.company.itscope_offer_history_days = 0
        _run, added = self._tick_and_refresh()
        self.assertFalse(added)

    def test_refresh_cron_prunes_what_the_retention_no_longer_covers(self):
        self.company.itscope_offer_history_days = 10
        line = self.offers[0]
        now = datetime.now().replace(microsecond=0)
        self.History.search([]).unlink()
        self.env.cr.execute(
            """INSERT INTO itscope_offer_history (company_id, product_tmpl_id, partner_id, changed_at, price, stock)
               VALUES (%(company)s, %(tmpl)s, %(partner)s, %(old)s, 1, 1),
                      (%(company)s, %(tmpl)s, %(partner)s, %(new)s, 2, 2)
            """,
            {
                "company": self.company.id,
                "tmpl": line.product_tmpl_id.id,
                "partner": line.partner_id.id,
                "old": now - timedelta(days=11),
                "new": now - timedelta(days=9),
            },
        )
        with patch.object(type(self.env["itscope.price.refresh"]), "_refresh") as refresh:
            self.env["itscope.price.refresh"]._cron_itscope_refresh_prices()
        self.assertEqual(self.History.search([]).mapped("price"), [2.0], "the row 11 days old is gone")
        self.assertLessEqual(refresh.call_count, 1)

    def test_offers_tab_opens_a_graph_per_distributor(self):
        self._refresh()
        for _generation in range(6):
            self._tick_and_refresh()
        template = max(
            self.History.search([]).product_tmpl_id,
            key=lambda template: len(self.History.search([("product_tmpl_id", "=", template.id)]).partner_id),
        )
        action = template.action_itscope_offer_history()
        self.assertEqual(action["views"][0][1], "graph")
        groups = self.History._read_group(
            action["domain"], ["changed_at:day", "partner_id"], ["price:avg", "stock:avg"]
        )
        own = self.History.search([("product_tmpl_id", "=", template.id)])
        self.assertEqual({partner for _day, partner, _price, _stock in groups}, set(own.partner_id))
        self.assertGreater(len(own.partner_id), 1, "one line per distributor")
        graph = self.env["itscope.offer.history"].get_views([(False, "graph")])["views"]["graph"]["arch"]
        self.assertIn('type="line"', graph)

    def test_other_companies_do_not_see_the_history(self):
        self._tick_and_refresh()
        other = self.env["res.company"].create({"name": "Other Buyer"})
        user = self._create_user("outsider", ["itscope_connector.group_itscope_user"], company=other)
        self.assertTrue(self.History.search_count([]))
        self.assertFalse(self.History.with_user(user).search_count([]))

    def test_deleting_a_product_or_a_vendor_deletes_its_history(self):
        _run, added = self._tick_and_refresh()
        template, partner = added[0].product_tmpl_id, added[-1].partner_id
        kept = added.filtered(lambda row: row.product_tmpl_id != template and row.partner_id != partner)
        template.seller_ids.unlink()
        template.unlink()
        self.env["product.supplierinfo"].search([("partner_id", "=", partner.id)]).unlink()
        partner.unlink()
        self.assertEqual(self.History.search([("id", "in", added.ids)]), kept)


def _state(line):
    return line.price, line.itscope_stock, line.itscope_stock_status, line.itscope_availability_date
