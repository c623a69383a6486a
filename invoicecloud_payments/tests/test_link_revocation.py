"""Issue 11, hole 4: a customer's links can be revoked, all at once, and close with the customer."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import InvoicecloudHttpCase


@tagged('post_install', '-at_install')
class TestLinkRevocation(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.credit_note = cls._create_invoice(move_type='out_refund', post=True, partner_id=cls.customer.id)

    def _status(self, path):
        return self.url_open(path).status_code

    def _all_paths(self):
        return [self._history_path(self.customer), self._path(self.invoice), self._path(self.credit_note)]

    def test_revoking_closes_every_link_of_the_customer_and_an_old_invoice_link_gives_no_new_one(self):
        old_paths = self._all_paths()
        self.assertEqual([self._status(path) for path in old_paths], [200] * 3)
        other = self._create_invoice(post=True, partner_id=self.other_customer.id)
        other_token = other.invoicecloud_token
        self.contact.action_invoicecloud_revoke_links()  # from a contact: their company's links
        self.assertEqual([self._status(path) for path in old_paths], [404] * 3)
        new_paths = self._all_paths()
        self.assertEqual([self._status(path) for path in new_paths], [200] * 3)
        self.assertEqual(other.invoicecloud_token, other_token, "another customer's links stay")
        self.assertIn('was revoked', self.customer.message_ids[:1].body)

    def test_resetting_one_invoice_link_keeps_the_others(self):
        history, _invoice, credit_note = self._all_paths()
        self.invoice.action_invoicecloud_reset_token()
        self.assertEqual(self._status(history), 200)
        self.assertEqual(self._status(credit_note), 200)
        self.assertEqual(self._status(self._path(self.invoice)), 200)

    def test_an_archived_customers_links_answer_404(self):
        paths = self._all_paths()
        self.customer.action_archive()
        self.assertEqual([self._status(path) for path in paths], [404] * 3)
        self.assertEqual(self._status(f'{paths[0]}/pay?invoice_ids={self.invoice.id}'), 404)
        self.customer.action_unarchive()
        self.assertEqual([self._status(path) for path in paths], [200] * 3)

    def test_only_billing_users_revoke(self):
        old = self.customer.invoicecloud_token
        for groups in ('base.group_portal', 'base.group_user,account.group_account_readonly'):
            user = mail_new_test_user(self.env, login=f'ic_revoke_{len(groups)}', groups=groups)
            with self.assertRaises(AccessError, msg=groups):
                self.customer.with_user(user).action_invoicecloud_revoke_links()
        self.assertEqual(self.customer.invoicecloud_token, old)
