from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import InvoicecloudHttpCase


@tagged('post_install', '-at_install')
class TestRemark(InvoicecloudHttpCase):
    def _send(self, remark, csrf=True):
        path = self._path(self.invoice)
        data = {'remark': remark}
        if csrf:
            data['csrf_token'] = self._csrf_token(path)
        return self.url_open(f'{path}/remark', data=data)

    def _remarks(self):
        return self.invoice.message_ids.filtered(lambda m: m.message_type == 'comment' and m.author_id == self.contact)

    def test_remark_lands_in_chatter_as_the_customer_with_an_activity(self):
        self.invoice.invoice_user_id = self.env.user
        response = self._send("Why is <b>shipping</b> charged twice?")
        self.assertEqual(response.status_code, 200)
        self.assertIn('your remark was sent', response.text)
        message = self._remarks()
        self.assertEqual(len(message), 1)
        self.assertIn('Why is &lt;b&gt;shipping&lt;/b&gt; charged twice?', str(message.body), "escaped, not HTML")
        activity = self.invoice.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.env.user)
        self.assertEqual(activity.activity_type_id, self.env.ref('mail.mail_activity_data_todo'))

    def test_remark_without_salesperson_goes_to_the_company_default(self):
        self.invoice.invoice_user_id = False
        answerer = self.env['res.users'].create({'name': "Answerer", 'login': 'ic_answerer'})
        self.invoice.company_id.invoicecloud_remark_user_id = answerer
        self._send("Hello")
        self.assertEqual(self.invoice.activity_ids.user_id, answerer)
        self.invoice.company_id.invoicecloud_remark_user_id = False
        self.assertEqual(self.invoice.company_id._invoicecloud_remark_user(), self.env.ref('base.user_admin'))

    def test_empty_or_oversized_remark_is_refused_with_a_message(self):
        self.assertIn('Please write your remark', self._send("   ").text)
        self.assertIn('is too long', self._send("x" * 2001).text)
        self.assertFalse(self._remarks())

    def test_remark_needs_csrf_token(self):
        with mute_logger('odoo.http'):
            response = self._send("no token", csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._remarks())

    def test_sixth_remark_in_ten_minutes_waits(self):
        for i in range(5):
            self.assertIn('your remark was sent', self._send(f"remark {i}").text)
        self.assertIn('Please wait a few minutes', self._send("one too many").text)
        self.assertEqual(len(self._remarks()), 5)

    def test_remark_on_a_bad_link_is_404(self):
        path = self._path(self.invoice)
        csrf = self._csrf_token(path)
        response = self.url_open('/invoicecloud/' + 'B' * 43 + '/remark', data={'remark': 'x', 'csrf_token': csrf})
        self.assertEqual(response.status_code, 404)
