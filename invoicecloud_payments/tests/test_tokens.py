import logging
import re
import string

from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.invoicecloud_payments import hooks
from odoo.addons.invoicecloud_payments.access_log import RedactTokensFilter
from odoo.addons.mail.tests.common import mail_new_test_user

from .common import InvoicecloudCase

TOKEN_ALPHABET = set(string.ascii_letters + string.digits + '-_')


@tagged('post_install', '-at_install')
class TestTokens(InvoicecloudCase):
    def test_posting_gives_tokens_to_invoice_and_commercial_customer(self):
        token = self.invoice.invoicecloud_token
        self.assertEqual(len(token), 43, "32 random bytes, URL-safe base64")
        self.assertLessEqual(set(token), TOKEN_ALPHABET)
        self.assertTrue(self.customer.invoicecloud_token, "the commercial partner opens the history")
        self.assertFalse(self.contact.invoicecloud_token, "a contact has no history of its own")
        self.assertEqual(self.invoice.invoicecloud_url, f"{self.invoice.get_base_url()}/invoicecloud/{token}")

    def test_drafts_and_vendor_bills_get_no_token(self):
        draft = self._create_invoice()
        bill = self._create_invoice(move_type='in_invoice', post=True)
        self.assertFalse(draft.invoicecloud_token)
        self.assertFalse(bill.invoicecloud_token)

    def test_credit_note_gets_a_token(self):
        refund = self._create_invoice(move_type='out_refund', post=True)
        self.assertTrue(refund.invoicecloud_token)

    def test_tokens_are_unique(self):
        invoices = self.invoice
        for _i in range(20):
            invoices |= self._create_invoice(post=True)
        self.assertEqual(len(set(invoices.mapped('invoicecloud_token'))), 21)

    def test_lookup_accepts_only_the_exact_token(self):
        Move = self.env['account.move']
        token = self.invoice.invoicecloud_token
        self.assertEqual(Move._invoicecloud_from_token(token), self.invoice)
        for wrong in ('', None, token[:-1], token + 'a', token.upper(), token.swapcase(), 'x' * 10_000):
            self.assertFalse(Move._invoicecloud_from_token(wrong), wrong and wrong[:50])
        self.assertFalse(self.env['res.partner']._invoicecloud_from_token(token), "an invoice token opens no history")

    def test_reset_token_invalidates_the_old_link(self):
        old = self.invoice.invoicecloud_token
        self.invoice.action_invoicecloud_reset_token()
        self.assertNotEqual(self.invoice.invoicecloud_token, old)
        self.assertFalse(self.env['account.move']._invoicecloud_from_token(old))
        self.assertEqual(
            self.env['account.move']._invoicecloud_from_token(self.invoice.invoicecloud_token), self.invoice
        )

    def test_install_gives_tokens_to_documents_posted_before_the_addon(self):
        cancelled = self._create_invoice(post=True)
        cancelled.button_cancel()
        never_posted = self._create_invoice()
        never_posted.button_cancel()
        refund = self._create_invoice(move_type='out_refund', post=True)
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET invoicecloud_token = NULL")
        self.env.cr.execute("UPDATE res_partner SET invoicecloud_token = NULL")
        self.env.invalidate_all()

        hooks._backfill_tokens(self.env)

        for move in (self.invoice, cancelled, refund):
            self.assertTrue(move.invoicecloud_token, move.name)
        self.assertFalse(never_posted.invoicecloud_token)
        self.assertTrue(self.customer.invoicecloud_token)
        self.assertFalse(self.contact.invoicecloud_token)

    def test_backfill_runs_in_batched_sql(self):
        invoices = self.invoice
        for _i in range(5):
            invoices |= self._create_invoice(post=True)
        self.env.flush_all()
        self.env.cr.execute("UPDATE account_move SET invoicecloud_token = NULL WHERE id IN %s", [tuple(invoices.ids)])
        self.env.invalidate_all()
        with self.assertQueryCount(1):  # one UPDATE per batch, not one write per invoice
            self.env['account.move']._invoicecloud_assign_tokens(invoices.ids)
        self.assertTrue(all(invoices.mapped('invoicecloud_token')))

    def test_only_invoicing_users_reset_links(self):
        employee = mail_new_test_user(
            self.env, login='ic_employee', groups='base.group_user,base.group_partner_manager'
        )
        old = self.customer.invoicecloud_token
        with self.assertRaises(AccessError):
            self.customer.with_user(employee).action_invoicecloud_reset_token()
        self.assertEqual(self.customer.invoicecloud_token, old)
        self.customer.action_invoicecloud_reset_token()
        self.assertNotEqual(self.customer.invoicecloud_token, old)

    def test_portal_user_cannot_read_tokens(self):
        portal_user = mail_new_test_user(self.env, login='ic_portal', groups='base.group_portal')
        with self.assertRaises(AccessError):
            self.invoice.with_user(portal_user).read(['invoicecloud_token'])

    def test_access_log_never_shows_a_token(self):
        token = self.invoice.invoicecloud_token
        record = logging.LogRecord(
            'werkzeug',
            logging.INFO,
            __file__,
            1,
            '%s - - [%s] "%s" %s %s',
            ('127.0.0.1', 'now', f'GET /invoicecloud/{token}/pdf?x=1 HTTP/1.1', '200', '-'),
            None,
        )
        RedactTokensFilter().filter(record)
        line = record.getMessage()
        self.assertNotIn(token, line)
        self.assertIn('/invoicecloud/<token>/pdf', line)
        history = logging.LogRecord(
            'werkzeug', logging.INFO, __file__, 1, f'GET /invoicecloud/history/{token}', (), None
        )
        RedactTokensFilter().filter(history)
        self.assertEqual(history.getMessage(), 'GET /invoicecloud/history/<token>')
        self.assertTrue(any(isinstance(f, RedactTokensFilter) for f in logging.getLogger('werkzeug').filters))
        self.assertFalse(re.search(r'invoicecloud/[A-Za-z0-9_-]{43}', line))
