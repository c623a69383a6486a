"""Issue 11: Odoo's other payment flows (portal sales orders, /payment/pay links, eCommerce) do not
offer our providers; they come back to Invoicecloud pages only, which those flows lack."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudHttpCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestOtherFlows(InvoicecloudProvidersMixin, InvoicecloudCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls._setup_mollie()

    def _compatible(self, **context):
        return (
            self.env['payment.provider']
            .sudo()
            .with_context(**context)
            ._get_compatible_providers(
                self.env.company.id, self.customer.id, 100.0, currency_id=self.env.company.currency_id.id
            )
        )

    def test_odoos_payment_form_never_offers_our_providers(self):
        report = {}
        offered = (
            self.env['payment.provider']
            .sudo()
            ._get_compatible_providers(self.env.company.id, self.customer.id, 100.0, report=report)
        )
        self.assertFalse(offered & (self.provider | self.mollie))
        self.assertFalse(report['providers'][self.provider]['available'])
        self.assertEqual(self._compatible(invoicecloud_checkout=True) & self.provider, self.provider)

    def _forced(self, **values):
        """A transaction of ours as Odoo's routes make it: /invoice/transaction takes any provider
        id, with a posted invoice (that has its token) and an amount from the browser."""
        return (
            self.env['payment.transaction']
            .sudo()
            .create(
                {
                    'provider_id': self.provider.id,
                    'payment_method_id': self.card.id,
                    'reference': 'INV-FORCED-1',
                    'amount': 1.0,
                    'currency_id': self.invoice.currency_id.id,
                    'partner_id': self.customer.id,
                    'invoice_ids': [Command.set(self.invoice.ids)],
                    **values,
                }
            )
        )

    def test_a_transaction_forced_onto_our_provider_elsewhere_is_never_made(self):
        """Any flow of Odoo's: redirect, direct (which never renders the redirect form), token.
        Nothing reaches Stripe, and nothing counts against the invoice's checkout limit."""
        for operation in ('online_redirect', 'online_direct', 'online_token'):
            with (
                patch.object(StripeGateway, 'create_checkout_session') as create,
                self.assertRaises(ValidationError, msg=operation),
            ):
                self._forced(operation=operation)
            create.assert_not_called()
        self.assertFalse(self.invoice._invoicecloud_transactions(('draft', 'pending', 'done', 'error', 'cancel')))

    def test_the_redirect_form_refuses_ours_too(self):
        """A second wall, should a transaction of ours ever reach Odoo's redirect form: our pages
        open their checkouts themselves and never render it."""
        ours = (
            self.env['payment.transaction']
            .sudo()
            .with_context(invoicecloud_checkout=True)
            .create(
                {
                    'provider_id': self.provider.id,
                    'payment_method_id': self.card.id,
                    'reference': 'INV-OURS-1',
                    'amount': self.invoice.amount_residual,
                    'currency_id': self.invoice.currency_id.id,
                    'partner_id': self.customer.id,
                    'operation': 'online_redirect',
                    'invoice_ids': [Command.set(self.invoice.ids)],
                }
            )
        )
        with (
            patch.object(StripeGateway, 'create_checkout_session') as create,
            self.assertRaises(ValidationError),
        ):
            ours._get_processing_values()
        create.assert_not_called()


@tagged('post_install', '-at_install')
class TestOdooInvoiceTransactionRoute(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    """The attack itself, over HTTP: Odoo's /invoice/transaction/<id>, opened with Odoo's own
    portal token of the invoice, naming our provider, in every flow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()

    def test_odoos_invoice_transaction_route_makes_nothing_of_ours(self):
        for flow in ('redirect', 'direct'):
            params = {
                'access_token': self.invoice._portal_ensure_token(),
                'provider_id': self.provider.id,
                'payment_method_id': self.card.id,
                'token_id': None,
                'amount': 1.0,
                'flow': flow,
                'tokenization_requested': False,
                'landing_route': '/my/invoices',
                'is_validation': False,
            }
            body = {'id': 0, 'jsonrpc': '2.0', 'method': 'call', 'params': params}
            with patch.object(StripeGateway, 'create_checkout_session') as create, mute_logger('odoo.http'):
                answer = self.url_open(f'/invoice/transaction/{self.invoice.id}', json=body).json()
            create.assert_not_called()
            # Refused for what it is (not, say, for a bad portal token):
            self.assertIn('offered on Invoicecloud pages only', answer['error']['data']['message'], flow)
        self.assertFalse(self.invoice._invoicecloud_transactions(('draft', 'pending', 'done', 'error', 'cancel')))
