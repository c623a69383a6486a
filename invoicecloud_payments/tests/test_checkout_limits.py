from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged
from odoo.tools.misc import hmac

from ..const import CHECKOUT_LIMITS
from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin


@tagged('post_install', '-at_install')
class TestCheckoutLimits(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    """Checkouts are limited per invoice and per client address: beyond, a clear 429 page and no
    call to the provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls.other_invoice = cls._create_invoice(post=True, partner_id=cls.customer.id)
        cls.address_key = hmac(cls.env(su=True), 'invoicecloud-client-address', '127.0.0.1')[:32]

    def _started_checkouts(self, invoice, count, address_key=None):
        self.env['payment.transaction'].sudo().with_context(invoicecloud_checkout=True).create([
            {
                'provider_id': self.provider.id,
                'payment_method_id': self.card.id,
                'reference': f'LIMIT-{invoice.id}-{address_key}-{i}',
                'amount': invoice.amount_residual,
                'currency_id': invoice.currency_id.id,
                'partner_id': invoice.commercial_partner_id.id,
                'invoice_ids': [Command.set(invoice.ids)],
                'invoicecloud_client_key': address_key,
            }
            for i in range(count)
        ])  # fmt: skip

    def _pay(self, invoice):
        path = self._path(invoice)
        data = {'csrf_token': self._csrf_token(path), 'method': f'{self.provider.id}-{self.card.id}'}
        session = {'id': f'cs_limit_{invoice.id}', 'url': 'https://checkout.stripe.test/limit'}
        with patch.object(StripeGateway, 'create_checkout_session', return_value=session) as create:
            response = self.url_open(f'{path}/pay', data=data, allow_redirects=False)
        return response, create

    def _assert_too_many(self, response, create):
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers['Retry-After'], '600')
        self.assertIn('o_invoicecloud_too_many', response.text)
        self.assertIn('Nothing was charged', response.text)
        create.assert_not_called()

    def test_the_checkout_beyond_the_limit_per_invoice_is_refused(self):
        _param, per_invoice = CHECKOUT_LIMITS['invoice']
        self._started_checkouts(self.invoice, per_invoice - 1)
        response, create = self._pay(self.invoice)
        self.assertEqual((response.status_code, create.call_count), (303, 1), "the 10th is allowed")
        self._assert_too_many(*self._pay(self.invoice))
        response, create = self._pay(self.other_invoice)
        self.assertEqual(response.status_code, 303, "another invoice is not held back")

    def test_the_checkout_beyond_the_limit_per_address_is_refused(self):
        _param, per_address = CHECKOUT_LIMITS['address']
        self._started_checkouts(self.invoice, 5, 'another-address')
        self.assertEqual(self._pay(self.other_invoice)[0].status_code, 303, "other addresses do not count")
        self._started_checkouts(self.invoice, per_address - 2, self.address_key)
        third_invoice = self._create_invoice(post=True, partner_id=self.customer.id)
        self.assertEqual(self._pay(third_invoice)[0].status_code, 303, "the 30th is allowed")
        self._assert_too_many(*self._pay(self.other_invoice))

    def test_the_limit_is_a_setting(self):
        param, _default = CHECKOUT_LIMITS['address']
        self.env['ir.config_parameter'].sudo().set_param(param, 2)
        self._started_checkouts(self.invoice, 2, self.address_key)
        self._assert_too_many(*self._pay(self.other_invoice))
        self.env['ir.config_parameter'].sudo().set_param(param, 3)
        self.assertEqual(self._pay(self.other_invoice)[0].status_code, 303)
