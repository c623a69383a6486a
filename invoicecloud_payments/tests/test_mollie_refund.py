from unittest.mock import patch

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.payment import utils as payment_utils

from ..gateways import ProviderRefused
from ..gateways.mollie_gateway import MollieGateway
from .common import InvoicecloudCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestMollieRefund(InvoicecloudProvidersMixin, InvoicecloudCase):
    """A credit note for an invoice paid through Mollie gives the money back through Mollie."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        cls.eur = cls.setup_other_currency('EUR')

    def setUp(self):
        super().setUp()
        self.invoice = self._create_invoice(post=True, partner_id=self.customer.id, currency_id=self.eur.id)
        self._pay_through_mollie(self.invoice, self.ideal)
        self.tx = self.invoice._invoicecloud_transactions(('draft',))
        self._confirm_mollie(self.tx, self._mollie_payment(self.tx))
        self.assertEqual(self.tx.state, 'done')

    def _credit_note(self, share=1.0):
        credit_note = self.invoice._reverse_moves([{'ref': 'Refund'}])
        for line in credit_note.invoice_line_ids:
            line.price_unit *= share
        credit_note.action_post()
        return credit_note

    def _refund(self, credit_note, status='pending'):
        """Click "Refund Online"; Mollie answers with a refund in `status`. Returns the Mollie call."""

        def refund(payment_id, payload, key):
            return {
                'id': 're_unit',
                'resource': 'refund',
                'paymentId': payment_id,
                'status': status,
                'amount': payload['amount'],
                'metadata': payload['metadata'],
            }

        with patch.object(MollieGateway, 'create_refund', side_effect=refund) as create_refund:
            credit_note.action_invoicecloud_refund()
        return create_refund

    @staticmethod
    def _refund_tx(credit_note):
        return credit_note._invoicecloud_transactions(('draft', 'pending', 'done', 'error', 'cancel'))

    def test_refund_from_a_credit_note_pays_the_credit_note_once_mollie_has_refunded(self):
        credit_note = self._credit_note()
        self.assertEqual(credit_note.invoicecloud_refundable_tx_id, self.tx)
        create_refund = self._refund(credit_note)
        refund_tx = self._refund_tx(credit_note)
        payment_id, payload, key = create_refund.call_args.args
        self.assertEqual(payment_id, 'tr_unit')
        self.assertEqual(payload['amount'], {'currency': 'EUR', 'value': f'{credit_note.amount_total:.2f}'})
        self.assertEqual(payload['metadata'], {'reference': refund_tx.reference})
        self.assertEqual(key, payment_utils.generate_idempotency_key(refund_tx))
        self.assertEqual(
            (refund_tx.state, refund_tx.operation, refund_tx.amount), ('pending', 'refund', -self.tx.amount)
        )
        self.assertEqual((refund_tx.source_transaction_id, refund_tx.provider_reference), (self.tx, 're_unit'))
        self.assertEqual(self.tx.invoicecloud_refunded_from_odoo, self.tx.amount)
        credit_note.invalidate_recordset(['invoicecloud_refundable_tx_id'])
        self.assertFalse(credit_note.invoicecloud_refundable_tx_id, "a refund is under way")

        # Mollie's webhook for the payment: the refund is counted as Odoo's, not told as a surprise.
        refunded = {'currency': 'EUR', 'value': f'{self.tx.amount:.2f}'}
        refund_done = {**payload, 'id': 're_unit', 'status': 'refunded'}
        with patch.object(MollieGateway, 'get_refund', return_value=refund_done) as get_refund:
            self._confirm_mollie(self.tx, self._mollie_payment(self.tx, amountRefunded=refunded))
            self._confirm_mollie(self.tx, self._mollie_payment(self.tx, amountRefunded=refunded))
        get_refund.assert_called_once_with('tr_unit', 're_unit')
        self.assertEqual(self.tx.invoicecloud_refunded_amount, 0)
        self.assertFalse(self.invoice.activity_ids, "a refund made from Odoo is not a surprise")
        self.assertEqual(refund_tx.state, 'done')
        self.assertEqual(refund_tx.payment_id.payment_type, 'outbound')
        self.assertEqual(refund_tx.payment_id.amount, self.tx.amount)
        self.assertIn(credit_note.payment_state, ('paid', 'in_payment'))

    def test_partial_credit_note_refunds_its_amount_and_a_dashboard_refund_is_still_told(self):
        credit_note = self._credit_note(share=0.5)
        self._refund(credit_note, status='refunded')
        refund_tx = self._refund_tx(credit_note)
        self.assertEqual(refund_tx.state, 'done')
        self.assertEqual(-refund_tx.amount, credit_note.amount_total)
        self.assertLess(credit_note.amount_total, self.tx.amount)
        self.assertIn(credit_note.payment_state, ('paid', 'in_payment'))
        # Then 1.00 more refunded in Mollie's dashboard: that one the accountant must hear about.
        total = {'currency': 'EUR', 'value': f'{credit_note.amount_total + 1:.2f}'}
        self._confirm_mollie(self.tx, self._mollie_payment(self.tx, amountRefunded=total))
        self.assertEqual(self.tx.invoicecloud_refunded_amount, 1.0)
        self.assertEqual(len(self.invoice.activity_ids), 1)

    def test_mollie_refusing_the_refund_leaves_the_credit_note_open(self):
        credit_note = self._credit_note()
        with patch.object(MollieGateway, 'create_refund', side_effect=ProviderRefused("The amount is too high")):
            credit_note.action_invoicecloud_refund()
        refund_tx = self._refund_tx(credit_note)
        self.assertEqual(refund_tx.state, 'error')
        self.assertIn('The amount is too high', refund_tx.state_message)
        self.assertEqual(self.tx.invoicecloud_refunded_from_odoo, 0)
        self.assertEqual(credit_note.payment_state, 'not_paid')
        credit_note.invalidate_recordset(['invoicecloud_refundable_tx_id'])
        self.assertEqual(credit_note.invoicecloud_refundable_tx_id, self.tx, "it can be tried again")

    def test_a_refund_mollie_gives_up_on_is_told_to_the_accountant(self):
        credit_note = self._credit_note()
        payload = self._refund(credit_note).call_args.args[1]
        refund_tx = self._refund_tx(credit_note)
        with patch.object(MollieGateway, 'get_refund', return_value={**payload, 'id': 're_unit', 'status': 'failed'}):
            refund_tx._invoicecloud_confirm()
        self.assertEqual(refund_tx.state, 'error')
        self.assertEqual(credit_note.payment_state, 'not_paid')
        self.assertEqual(len(credit_note.activity_ids), 1)
        self.assertEqual(self.tx.invoicecloud_refunded_from_odoo, 0)

    def test_a_refund_made_after_the_credit_note_went_back_to_draft_never_posts_it(self):
        """Issue 11, hole 5, for refunds: Odoo's post-processing would post the draft credit note."""
        credit_note = self._credit_note()
        payload = self._refund(credit_note).call_args.args[1]
        refund_tx = self._refund_tx(credit_note)
        credit_note.button_draft()
        with patch.object(MollieGateway, 'get_refund', return_value={**payload, 'id': 're_unit', 'status': 'refunded'}):
            refund_tx._invoicecloud_confirm()
        self.assertEqual((refund_tx.state, credit_note.state), ('done', 'draft'))
        self.assertEqual(refund_tx.payment_id.payment_type, 'outbound')
        self.assertEqual(refund_tx.invoicecloud_set_aside_invoice_ids, credit_note)
        self.assertTrue(credit_note.activity_ids.filtered(lambda a: refund_tx.reference in (a.summary or '')))

    def test_nothing_to_refund_online(self):
        credit_note = self._credit_note()
        self._refund(credit_note, status='refunded')
        second = self._credit_note()
        self.assertFalse(second.invoicecloud_refundable_tx_id, "the payment has been refunded in full")
        with self.assertRaises(UserError):
            second.action_invoicecloud_refund()
        with self.assertRaises(UserError):
            self.tx._invoicecloud_refund(0.01, second)

    def test_the_payments_refund_button_refunds_through_mollie_too(self):
        self.assertEqual(self.tx.payment_id.amount_available_for_refund, self.tx.amount)
        wizard = (
            self.env['payment.refund.wizard']
            .with_context(active_model='account.payment', active_id=self.tx.payment_id.id)
            .create({'amount_to_refund': 10.0})
        )
        self.assertEqual(wizard.support_refund, 'partial')

        def refund(payment_id, payload, key):
            return {
                'id': 're_wizard',
                'status': 'refunded',
                'amount': payload['amount'],
                'metadata': payload['metadata'],
            }

        with patch.object(MollieGateway, 'create_refund', side_effect=refund) as create_refund:
            wizard.action_refund()
        self.assertEqual(create_refund.call_args.args[1]['amount'], {'currency': 'EUR', 'value': '10.00'})
        refund_tx = self.tx.child_transaction_ids
        self.assertEqual(
            (refund_tx.state, refund_tx.amount, refund_tx.provider_reference), ('done', -10.0, 're_wizard')
        )
        self.assertEqual(refund_tx.payment_id.amount, 10.0)
        self.tx.payment_id.invalidate_recordset(['amount_available_for_refund'])
        self.assertEqual(self.tx.payment_id.amount_available_for_refund, self.tx.amount - 10.0)
