"""Issue 11: Odoo's other payment flows (portal sales orders, /payment/pay links, eCommerce) do not
offer our providers; they come back to Invoicecloud pages only, which those flows lack."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudCase, InvoicecloudProvidersMixin


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

    def test_a_transaction_forced_onto_our_provider_elsewhere_is_refused_before_the_provider(self):
        """Odoo's /invoice/transaction route takes any provider id, with a posted invoice (that has
        its token) and an amount from the browser: refused before anything reaches Stripe."""
        tx = (
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
                    'operation': 'online_redirect',
                    'invoice_ids': [Command.set(self.invoice.ids)],
                }
            )
        )
        with (
            patch.object(StripeGateway, 'create_checkout_session') as create,
            self.assertRaises(ValidationError),
        ):
            tx._get_processing_values()
        create.assert_not_called()
        self.assertFalse(tx.provider_reference)
