from odoo.tests import tagged

from ..itscope.sandbox.business import _Business
from .common_purchase import ItscopeOrderCase


@tagged("post_install", "-at_install")
class TestReissuedIds(ItscopeOrderCase):
    """ITscope issues each deal and transaction id once. One arriving again (as from a sandbox that was restarted
    before its ids were unique) is noted where people look, and never undoes an order ITscope has taken."""

    def _restart_sandbox_reissuing_ids(self):
        """Forget every deal, as a restart does, and issue the ids the sandbox issued before all over again."""
        started = self.sandbox.state["business"].started
        self.sandbox.state["business"] = _Business()
        self.sandbox.state["business"].started = started

    def test_send_with_a_known_transaction_id_confirms_and_says_so(self):
        first = self._order([(self.product, 1)])
        first.button_confirm()
        known = first.itscope_order_document_id.transaction_id
        self.assertTrue(known)
        self._restart_sandbox_reissuing_ids()

        second = self._order([(self.product, 1)])
        second.button_confirm()
        self.assertEqual((second.state, second.itscope_send_state), ("purchase", "sent"))
        document = second.itscope_order_document_id
        self.assertFalse(document.transaction_id, "the id stays with the document that had it first")
        self.assertEqual(first.itscope_order_document_id.transaction_id, known)
        self.assertIn(known, document.warnings)
        self.assertIn(first.name, document.warnings)
        self.assertTrue(second.message_ids.filtered(lambda message: known in message.body))

    def test_mirror_notes_a_document_already_recorded_for_another_order(self):
        first = self._order([(self.product, 1)])
        first.button_confirm()
        self._advance(5)
        self._mirror()
        [response] = first.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE")
        self._restart_sandbox_reissuing_ids()
        first.itscope_order_id = "GONE-000000-0000"  # the first deal no longer lists anything

        second = self._order([(self.product, 1)])
        second.button_confirm()
        self._advance(5)
        run = self._mirror()
        self.assertEqual(run.state, "partial")
        self.assertIn(response.transaction_id, run.error_log)
        self.assertIn(first.name, run.error_log)
        self.assertIn(second.name, run.error_log)
        self.assertEqual(response.purchase_id, first, "a recorded document stays with its order")
        self.assertFalse(second.itscope_document_ids.filtered(lambda document: document.doc_type == "ORDERRESPONSE"))
