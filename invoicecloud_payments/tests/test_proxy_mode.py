"""Issue 11: behind a reverse proxy (Odoo's --proxy-mode, X-Forwarded-For, -Host and -Proto).

Links and webhook URLs are the business's public URL (`web.base.url`), never what a request's
headers claim: a forged X-Forwarded-Host cannot send a customer back elsewhere. The checkout
limit counts the client's address as the proxy reports it, not the proxy's own."""

import re
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import config
from odoo.tools.misc import hmac

from ..gateways.stripe_gateway import StripeGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin

PUBLIC_URL = 'https://pay.business.example'


@tagged('post_install', '-at_install')
class TestProxyMode(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_stripe()
        cls.env['ir.config_parameter'].sudo().set_param('web.base.url', PUBLIC_URL)
        cls.invoices = [cls._create_invoice(post=True, partner_id=cls.customer.id) for _i in range(4)]

    def _pay_through_the_proxy(self, invoice, client, host='pay.business.example'):
        headers = {'X-Forwarded-For': client, 'X-Forwarded-Host': host, 'X-Forwarded-Proto': 'https'}
        path = f'/invoicecloud/{invoice.invoicecloud_token}'
        page = self.url_open(path, headers=headers).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = {'csrf_token': csrf, 'method': f'{self.provider.id}-{self.card.id}'}
        session = {'id': f'cs_proxy_{invoice.id}', 'url': 'https://checkout.stripe.test/proxy'}
        with patch.object(StripeGateway, 'create_checkout_session', return_value=session) as create:
            response = self.url_open(f'{path}/pay', data=data, headers=headers, allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        params, _key = create.call_args.args
        return params, invoice._invoicecloud_transactions(('draft',))

    def test_links_and_limits_behind_a_proxy(self):
        with patch.dict(config.options, {'proxy_mode': True}):
            params, first = self._pay_through_the_proxy(self.invoices[0], '203.0.113.7', host='attacker.example')
            _params, second = self._pay_through_the_proxy(self.invoices[1], '198.51.100.9')
            _params, third = self._pay_through_the_proxy(self.invoices[2], '203.0.113.7')
        for url in (params['success_url'], params['cancel_url'], self.provider._invoicecloud_webhook_url()):
            self.assertTrue(url.startswith(f'{PUBLIC_URL}/'), url)
        key = hmac(self.env(su=True), 'invoicecloud-client-address', '203.0.113.7')[:32]
        self.assertEqual((first.invoicecloud_client_key, third.invoicecloud_client_key), (key, key))
        self.assertNotEqual(second.invoicecloud_client_key, key, "another client behind the same proxy")

    def test_an_ipv6_client_is_its_64(self):
        """Any address of one /64 is one client: rotating addresses within it gets no new quota."""
        with patch.dict(config.options, {'proxy_mode': True}):
            _params, first = self._pay_through_the_proxy(self.invoices[0], '2001:db8:1:2::7')
            _params, second = self._pay_through_the_proxy(self.invoices[1], '2001:db8:1:2:ffff:1:2:3')
            _params, third = self._pay_through_the_proxy(self.invoices[2], '2001:db8:1:3::7')
            _params, fourth = self._pay_through_the_proxy(self.invoices[3], '::ffff:203.0.113.7')
        key = hmac(self.env(su=True), 'invoicecloud-client-address', '2001:db8:1:2::/64')[:32]
        self.assertEqual((first.invoicecloud_client_key, second.invoicecloud_client_key), (key, key))
        self.assertNotEqual(third.invoicecloud_client_key, key, "another /64")
        ipv4 = hmac(self.env(su=True), 'invoicecloud-client-address', '203.0.113.7')[:32]
        self.assertEqual(fourth.invoicecloud_client_key, ipv4, "an IPv4 address written as IPv6 is that IPv4 address")
