"""Issue 11, hole 5: an invoice reset to draft or cancelled ends its open checkouts, and a payment
that still arrives never posts it: it becomes the customer's credit, with a to-do."""

from unittest.mock import patch

from odoo.tests import tagged

from ..gateways import ProviderUnavailable
from ..gateways.mollie_gateway import MollieGateway
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestDraftCancel(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls._setup_mollie()
        cls.eur = cls.setup_other_currency('EUR')  # iDEAL takes euros only

    def _pay_by_card(self, invoice):
        self._pay_through_stripe(invoice)
        return invoice._invoicecloud_transactions(('draft',))

    def _pay_by_ideal(self, invoice):
        _url, problem, _create = self._pay_through_mollie(invoice, self.ideal)
        self.assertIsNone(problem)
        return invoice._invoicecloud_transactions(('draft',))

    def _credit_todo(self, invoice, tx):
        return invoice.activity_ids.filtered(lambda a: tx.reference in (a.summary or ''))

    def test_reset_to_draft_and_cancel_expire_the_open_stripe_session(self):
        for end in ('button_draft', 'button_cancel'):
            invoice = self._create_invoice(post=True, partner_id=self.customer.id)
            tx = self._pay_by_card(invoice)
            open_session = self._stripe_session(tx, status='open', payment_status='unpaid', payment_intent=None)
            with (
                patch.object(StripeGateway, 'retrieve_checkout_session', return_value=open_session),
                patch.object(
                    StripeGateway, 'expire_checkout_session', return_value={**open_session, 'status': 'expired'}
                ) as expire,
            ):
                getattr(invoice, end)()
            expire.assert_called_once_with(tx.provider_reference)
            self.assertEqual(tx.state, 'cancel', end)

    def _ideal_paid_after(self, end):
        """An open iDEAL payment (Mollie: not cancelable) on an invoice the accountant resets or
        cancels; the customer pays it anyway."""
        invoice = self._create_invoice(post=True, partner_id=self.customer.id, currency_id=self.eur.id)
        tx = self._pay_by_ideal(invoice)
        opened = self._mollie_payment(tx, status='open', isCancelable=False)
        with (
            patch.object(MollieGateway, 'get_payment', return_value=opened),
            patch.object(MollieGateway, 'cancel_payment') as cancel,
        ):
            getattr(invoice, end)()
        cancel.assert_not_called()
        self.assertEqual(tx.state, 'draft')
        self.assertIn('could not be stopped', invoice.message_ids[:1].body)
        self._confirm_mollie(tx, self._mollie_payment(tx))
        return invoice, tx

    def test_a_payment_arriving_after_reset_to_draft_never_posts_the_draft(self):
        invoice, tx = self._ideal_paid_after('button_draft')
        self.assertEqual((tx.state, invoice.state), ('done', 'draft'))
        self.assertIn(tx.payment_id.state, ('in_process', 'paid'))
        self.assertFalse(tx.invoice_ids, "set aside: not applied to the draft")
        self.assertEqual(tx.payment_id.partner_id, self.customer)
        credit = tx.payment_id.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == 'asset_receivable'
        )
        self.assertAlmostEqual(-sum(credit.mapped('amount_residual_currency')), tx.amount, msg="the customer's credit")
        self.assertTrue(self._credit_todo(invoice, tx))
        # Still the transaction's: the customer's status page finds it, later notices reach it.
        self.assertEqual(tx.invoicecloud_set_aside_invoice_ids, invoice)
        self.assertEqual(tx._invoicecloud_from_page(tx.reference, invoice.invoicecloud_token), tx)

    def test_a_payment_arriving_after_cancel_stays_credit(self):
        invoice, tx = self._ideal_paid_after('button_cancel')
        self.assertEqual((tx.state, invoice.state), ('done', 'cancel'))
        self.assertTrue(tx.payment_id)
        self.assertTrue(self._credit_todo(invoice, tx))

    def test_cancelling_a_posted_invoice_ends_its_checkout_once(self):
        """Odoo's button_cancel resets a posted invoice to draft first: one call, one note."""
        invoice = self._create_invoice(post=True, partner_id=self.customer.id)
        tx = self._pay_by_card(invoice)
        open_session = self._stripe_session(tx, status='open', payment_status='unpaid', payment_intent=None)
        with (
            patch.object(StripeGateway, 'retrieve_checkout_session', return_value=open_session),
            patch.object(StripeGateway, 'expire_checkout_session', side_effect=ProviderUnavailable("down")) as expire,
        ):
            invoice.button_cancel()
        self.assertEqual(expire.call_count, 1)
        self.assertEqual(len(invoice.message_ids.filtered(lambda m: 'could not be stopped' in (m.body or ''))), 1)

    def test_a_provider_down_does_not_block_the_reset(self):
        invoice = self._create_invoice(post=True, partner_id=self.customer.id)
        tx = self._pay_by_card(invoice)
        with patch.object(StripeGateway, 'retrieve_checkout_session', side_effect=ProviderUnavailable("down")):
            invoice.button_draft()
        self.assertEqual((invoice.state, tx.state), ('draft', 'draft'))
        self.assertIn('could not be stopped', invoice.message_ids[:1].body)
