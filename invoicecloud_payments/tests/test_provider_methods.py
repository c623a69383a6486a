"""The methods each provider can offer once installed, and those Odoo turns on when it is enabled."""

from odoo.tests import tagged

from .common import InvoicecloudCase


@tagged('post_install', '-at_install')
class TestProviderMethods(InvoicecloudCase):
    def _linked(self, provider):
        return set(provider.sudo().with_context(active_test=False).payment_method_ids.mapped('code'))

    def test_stripe_offers_cards_only(self):
        stripe = self.env.ref('invoicecloud_payments.payment_provider_stripe').sudo()
        self.assertEqual(self._linked(stripe), {'card', 'visa', 'mastercard', 'amex'})
        self.assertEqual(stripe._get_default_payment_method_codes(), self._linked(stripe))

    def test_mollie_links_its_methods_and_enables_its_usual_ones_before_a_sync(self):
        """KBC/CBC and Belfius are offered once the business has them (a sync says so): Odoo ships
        them inactive, and enabling Mollie before a sync turns on only its usual methods."""
        mollie = self.env.ref('invoicecloud_payments.payment_provider_mollie').sudo()
        self.assertEqual(self._linked(mollie), {'ideal', 'bancontact', 'paypal', 'bank_transfer', 'kbc_cbc', 'belfius'})
        self.assertEqual(mollie._get_default_payment_method_codes(), {'ideal', 'bancontact', 'paypal', 'bank_transfer'})
        self.assertFalse(self._linked(mollie) & {'card', 'visa', 'mastercard'}, "cards are Stripe's")
