"""Issue 14, item 2: from an open invoice's page, the customer promises to pay by a date, or
disputes the invoice (a reason, an explanation, maybe a document). Each lands in the chatter as
the customer, with a to-do for whoever handles the invoice, and shows on the invoice in the
backend, with the "Promised" and "Disputed" filters."""

import zlib
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import InvoicecloudHttpCase

PDF = b'%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'
EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff' + b'\x00' * 200  # a Windows program


@tagged('post_install', '-at_install')
class TestPromiseAndDispute(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice.invoice_user_id = cls.env.user
        cls.today = cls.invoice.company_id._invoicecloud_today()

    def _post(self, what, data, files=None, csrf=True):
        path = self._path(self.invoice)
        if csrf:
            data = {**data, 'csrf_token': self._csrf_token(path)}
        return self.url_open(f'{path}/{what}', data=data, files=files)

    def _promise(self, day, **kwargs):
        return self._post('promise', {'promise_date': str(day)}, **kwargs)

    def _dispute(self, reason='wrong_amount', explanation="The price of line 2 is not the quoted one.", files=None):
        return self._post('dispute', {'reason': reason, 'explanation': explanation}, files=files)

    def _customer_messages(self):
        return self.invoice.message_ids.filtered(lambda m: m.message_type == 'comment' and m.author_id == self.contact)

    def _filter(self, name):
        """The invoices Odoo's invoice list shows with our filter `name` on."""
        arch = etree.fromstring(self.env['account.move'].get_views([(False, 'search')])['views']['search']['arch'])
        [node] = arch.xpath(f"//filter[@name='{name}']")
        return self.env['account.move'].search(safe_eval(node.get('domain')))

    # --- promise ------------------------------------------------------------------------------

    def test_a_promise_lands_as_the_customer_with_a_todo_by_its_date(self):
        day = self.today + timedelta(days=14)
        response = self._promise(day)
        self.assertEqual(response.status_code, 200)
        self.assertIn('?promise=sent', response.url)
        self.assertIn('we noted your promise', response.text)
        self.assertIn('You promised to pay by', response.text)
        [message] = self._customer_messages()
        self.assertIn('I will pay this invoice by', str(message.body))
        [todo] = self.invoice.activity_ids
        self.assertEqual((todo.user_id, todo.date_deadline), (self.env.user, day))
        self.assertEqual(
            (self.invoice.invoicecloud_promise_state, self.invoice.invoicecloud_promise_date), ('open', day)
        )
        self.assertIn(self.invoice, self._filter('invoicecloud_promised'))
        self.assertNotIn(self.invoice, self._filter('invoicecloud_disputed'))

    def test_a_promise_is_from_today_to_the_companys_limit(self):
        self.invoice.company_id.invoicecloud_promise_max_days = 60
        for day in (self.today - timedelta(days=1), self.today + timedelta(days=61), 'tomorrow', '2026-02-30', ''):
            with self.subTest(day=day):
                self.assertIn('?promise=bad_date', self._promise(day).url)
        self.assertFalse(self._customer_messages())
        self.assertFalse(self.invoice.invoicecloud_followup_ids)
        self.assertIn('?promise=sent', self._promise(self.today + timedelta(days=60)).url)

    def test_a_promise_needs_the_csrf_token_and_an_open_invoice(self):
        with mute_logger('odoo.http'):
            self.assertEqual(self._promise(self.today, csrf=False).status_code, 400)
        self._register_payment(self.invoice)
        self.assertIn('?promise=closed', self._promise(self.today).url)
        self.assertFalse(self._customer_messages())

    def test_promises_disputes_and_remarks_share_one_rate_limit(self):
        path = self._path(self.invoice)
        for n in range(4):
            self.url_open(f'{path}/remark', data={'remark': f'remark {n}', 'csrf_token': self._csrf_token(path)})
        self.assertIn('?promise=sent', self._promise(self.today).url)
        self.assertIn('?dispute=wait', self._dispute().url)
        self.assertIn('Please wait a few minutes', self._promise(self.today).text)
        self.assertEqual(len(self._customer_messages()), 5)

    def test_a_broken_promise_gives_the_accountant_a_todo_a_kept_one_does_not(self):
        other = self._create_invoice(post=True, partner_id=self.contact.id)
        self.invoice._invoicecloud_promise(self.today + timedelta(days=3))
        other._invoicecloud_promise(self.today + timedelta(days=3))
        self._register_payment(other)
        self.invoice.activity_ids.unlink()
        cron = self.env.ref('invoicecloud_payments.cron_broken_promises')
        with freeze_time(fields.Datetime.now() + timedelta(days=3)):
            cron.method_direct_trigger()
        self.assertEqual(self.invoice.invoicecloud_promise_state, 'open', "the date itself is still in time")
        with freeze_time(fields.Datetime.now() + timedelta(days=4)):
            cron.method_direct_trigger()
            cron.method_direct_trigger()
        self.assertEqual(
            (self.invoice.invoicecloud_promise_state, other.invoicecloud_promise_state), ('broken', 'kept')
        )
        [todo] = self.invoice.activity_ids
        self.assertEqual(todo.summary, "Promise to pay not kept")
        self.assertFalse(other.activity_ids.filtered(lambda a: a.summary == "Promise to pay not kept"))
        self.assertNotIn(self.invoice, self._filter('invoicecloud_promised'))

    # --- dispute ------------------------------------------------------------------------------

    def test_a_dispute_with_a_document_lands_as_the_customer(self):
        self.assertFalse(self.invoice.message_main_attachment_id)
        response = self._dispute(files={'attachment': ('delivery note.pdf', PDF, 'application/pdf')})
        self.assertIn('?dispute=sent', response.url)
        self.assertIn('your dispute was sent', response.text)
        self.assertIn('You disputed this invoice', response.text)
        [message] = self._customer_messages()
        self.assertIn('The amount or a price is wrong', str(message.body))
        self.assertIn('The price of line 2', str(message.body))
        self.assertEqual(message.attachment_ids.mapped('name'), ['delivery note.pdf'])
        self.assertEqual(message.attachment_ids.mimetype, 'application/pdf')
        self.assertFalse(self.invoice.message_main_attachment_id, "the customer's file never previews as the invoice")
        self.assertEqual(self.invoice.activity_ids.summary, "Resolve the customer's dispute")
        self.assertEqual(
            (self.invoice.invoicecloud_dispute_state, self.invoice.invoicecloud_dispute_reason),
            ('open', 'wrong_amount'),
        )
        self.assertIn(self.invoice, self._filter('invoicecloud_disputed'))

        self.invoice.action_invoicecloud_resolve_dispute()
        self.assertEqual(self.invoice.invoicecloud_dispute_state, 'resolved')
        self.assertFalse(self.invoice.activity_ids, "the dispute's to-do is done")
        self.assertNotIn(self.invoice, self._filter('invoicecloud_disputed'))
        self.assertIn('Dispute resolved by', str(self.invoice.message_ids[0].body))

    def test_a_dispute_refuses_what_is_not_a_pdf_or_an_image_whatever_its_name(self):
        response = self._dispute(files={'attachment': ('invoice.pdf', EXE, 'application/pdf')})
        self.assertIn('?dispute=bad_file', response.url)
        self.assertIn('must be a PDF, PNG or JPEG', response.text)
        self.assertFalse(self._customer_messages())
        self.assertFalse(self.invoice.invoicecloud_followup_ids)

    def test_a_dispute_refuses_an_image_bomb_and_cleans_the_file_name(self):
        # A PNG of 100,000 x 100,000 pixels in 60 bytes: its header alone.
        ihdr = b'IHDR' + (100_000).to_bytes(4, 'big') * 2 + bytes([8, 2, 0, 0, 0])
        bomb = b'\x89PNG\r\n\x1a\n' + len(ihdr[4:]).to_bytes(4, 'big') + ihdr + zlib.crc32(ihdr).to_bytes(4, 'big')
        self.assertIn('?dispute=bad_file', self._dispute(files={'attachment': ('scan.png', bomb, 'image/png')}).url)
        name = 'facture\u202egnp.exe\r\nBcc: x.pdf'
        self.assertIn('?dispute=sent', self._dispute(files={'attachment': (name, PDF, 'application/pdf')}).url)
        [message] = self._customer_messages()
        stored = message.attachment_ids.name
        self.assertTrue(stored.endswith('.pdf') and not {'\r', '\n', '\u202e'} & set(stored), stored)

    def test_a_promise_cannot_be_put_off_nor_renewed_once_broken(self):
        self.assertIn('?promise=sent', self._promise(self.today + timedelta(days=10)).url)
        self.assertIn('?promise=bad_date', self._promise(self.today + timedelta(days=11)).url)
        self.assertIn('?promise=sent', self._promise(self.today + timedelta(days=5)).url, "sooner, yes")
        with freeze_time(fields.Datetime.now() + timedelta(days=7)):
            self.env.ref('invoicecloud_payments.cron_broken_promises').method_direct_trigger()
            self.assertEqual(self.invoice.invoicecloud_promise_state, 'broken')
            response = self._promise(self.today + timedelta(days=9))
            self.assertIn('?promise=bad_date', response.url)
            self.assertIn('cannot be made', response.text)
            self.assertNotIn('o_invoicecloud_promise_form', response.text)

    def test_a_dispute_refuses_a_file_over_5_mb_and_odoo_a_larger_request(self):
        too_big = PDF + b'0' * (5 * 1024 * 1024)
        self.assertIn(
            '?dispute=too_big', self._dispute(files={'attachment': ('big.pdf', too_big, 'application/pdf')}).url
        )
        with mute_logger('odoo.http', 'werkzeug'):
            response = self._dispute(files={'attachment': ('huge.pdf', too_big + b'0' * 300_000, 'application/pdf')})
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self._customer_messages())

    def test_a_dispute_needs_a_reason_of_the_list(self):
        self.assertIn('?dispute=no_reason', self._dispute(reason='').url)
        self.assertIn('?dispute=no_reason', self._dispute(reason='<script>').url)
        self.assertIn('?dispute=too_long', self._dispute(explanation='x' * 2001).url)
        self.assertFalse(self._customer_messages())

    def test_only_invoicing_users_resolve_a_dispute(self):
        self.invoice._invoicecloud_dispute('other', "No.")
        for login, groups in (('ic_dispute_portal', 'base.group_portal'), ('ic_dispute_employee', 'base.group_user')):
            user = mail_new_test_user(self.env, login=login, groups=groups)
            with self.subTest(groups=groups), self.assertRaises(AccessError):
                self.invoice.with_user(user).action_invoicecloud_resolve_dispute()
        self.assertEqual(self.invoice.invoicecloud_dispute_state, 'open')

    def test_the_forms_are_offered_on_open_invoices_only(self):
        page = self._page(self._path(self.invoice))
        self.assertTrue(page.xpath("//form[contains(@class, 'o_invoicecloud_promise_form')]"))
        [date_input] = page.xpath("//input[@id='invoicecloud_promise_date']")
        self.assertEqual(date_input.get('min'), str(self.today))
        self.assertEqual(date_input.get('max'), str(self.today + timedelta(days=60)))
        self.assertEqual(len(page.xpath("//select[@id='invoicecloud_dispute_reason']/option")), 7)
        self._register_payment(self.invoice)
        page = self._page(self._path(self.invoice))
        self.assertFalse(page.xpath("//*[@id='followup']"))
