"""Issue 11, hole 2: only people with Odoo's refund rights can move money, over RPC too.

`action_invoicecloud_refund` is a public method: anyone logged in can call it over JSON-RPC on a
credit note. It checks, before anything else, what Odoo's own credit note and payment wizards
need (billing rights) and write access to the credit note. So do the provider actions."""

from unittest.mock import patch

from odoo.tests import JsonRpcException, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from ..gateways.mollie_gateway import MollieGateway
from .common import InvoicecloudHttpCase, InvoicecloudProvidersMixin

ACCESS_ERROR = 'odoo.exceptions.AccessError'


def _refund(payment_id, payload, key):
    return {'id': 're_rpc', 'resource': 'refund', 'paymentId': payment_id, 'status': 'pending', **payload}


@tagged('post_install', '-at_install')
class TestMoneyRights(InvoicecloudProvidersMixin, InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_mollie()
        eur = cls.setup_other_currency('EUR')
        invoice = cls._create_invoice(post=True, partner_id=cls.customer.id, currency_id=eur.id)
        cls._pay_through_mollie(invoice, cls.ideal)
        tx = invoice._invoicecloud_transactions(('draft',))
        cls._confirm_mollie(tx, cls._mollie_payment(tx))
        cls.credit_note = invoice._reverse_moves([{'ref': 'Refund'}])
        cls.credit_note.action_post()
        portal = mail_new_test_user(cls.env, login='ic_rights_portal', groups='base.group_portal')
        portal.partner_id.parent_id = cls.customer
        salesperson_group = (
            'sales_team.group_sale_salesman'
            if cls.env.ref('sales_team.group_sale_salesman', raise_if_not_found=False)
            else 'base.group_user'
        )  # a database without sale: an employee without billing rights
        cls.refusing_users = {
            'portal user of the customer': portal,
            'read-only accountant': mail_new_test_user(
                cls.env, login='ic_rights_readonly', groups='base.group_user,account.group_account_readonly'
            ),
            'salesperson': mail_new_test_user(
                cls.env, login='ic_rights_sales', groups=f'base.group_user,{salesperson_group}'
            ),
        }
        cls.billing_user = mail_new_test_user(
            cls.env, login='ic_rights_billing', groups='base.group_user,account.group_account_invoice'
        )

    def _call(self, model, method, ids):
        return self.make_jsonrpc_request(
            f'/web/dataset/call_kw/{model}/{method}',
            {'model': model, 'method': method, 'args': [ids], 'kwargs': {}},
        )

    def test_refund_over_rpc_needs_the_refund_rights_first(self):
        self.assertTrue(self.credit_note.invoicecloud_refundable_tx_id, "a refund would reach Mollie")
        for who, user in self.refusing_users.items():
            self.authenticate(user.login, user.login)
            with (
                patch.object(MollieGateway, 'create_refund', side_effect=_refund) as create_refund,
                mute_logger('odoo.http'),
                self.assertRaises(JsonRpcException) as refused,
            ):
                self._call('account.move', 'action_invoicecloud_refund', self.credit_note.ids)
            self.assertEqual(str(refused.exception), ACCESS_ERROR, who)
            create_refund.assert_not_called()
        self.assertFalse(self.credit_note._invoicecloud_transactions(('draft', 'pending', 'done')))

        self.authenticate(self.billing_user.login, self.billing_user.login)
        with patch.object(MollieGateway, 'create_refund', side_effect=_refund) as create_refund:
            self._call('account.move', 'action_invoicecloud_refund', self.credit_note.ids)
        create_refund.assert_called_once()

    def test_provider_actions_over_rpc_need_the_providers_rights(self):
        for who, user in {**self.refusing_users, 'billing user': self.billing_user}.items():
            self.authenticate(user.login, user.login)
            for method in ('action_invoicecloud_mollie_sync_methods', 'action_invoicecloud_stripe_create_webhook'):
                with (
                    patch.object(MollieGateway, 'list_methods') as list_methods,
                    mute_logger('odoo.http'),
                    self.assertRaises(JsonRpcException) as refused,
                ):
                    self._call('payment.provider', method, self.mollie.ids)
                self.assertEqual(str(refused.exception), ACCESS_ERROR, f'{who}: {method}')
                list_methods.assert_not_called()
