"""Issue 11, hole 1: #LINK becomes a link only in mail of those who may read the link.

A portal user, a visitor holding Odoo's own single-invoice portal link, an internal user without
billing rights and a customer remark all keep the literal #LINK: no token is stored in their
message, mailed to the followers, or sent back in the answer."""

import contextlib

from markupsafe import Markup

from odoo.tests import JsonRpcException, tagged

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import InvoicecloudHttpCase


@tagged('post_install', '-at_install')
class TestLinkWhoMay(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = mail_new_test_user(cls.env, login='ic_link_portal', groups='base.group_portal')
        cls.portal_user.partner_id.parent_id = cls.customer
        cls.invoice.message_subscribe(cls.portal_user.partner_id.ids)
        cls.readonly_accountant = mail_new_test_user(
            cls.env, login='ic_link_readonly', groups='base.group_user,account.group_account_readonly'
        )
        cls.billing_user = mail_new_test_user(
            cls.env, login='ic_link_billing', groups='base.group_user,account.group_account_invoice'
        )

    def _token_leaks(self, text):
        tokens = (self.invoice.invoicecloud_token, self.customer.invoicecloud_token)
        return [token for token in tokens if token in str(text)]

    def _post_over_rpc(self, **access):
        return self.make_jsonrpc_request(
            '/mail/message/post',
            {
                'thread_model': 'account.move',
                'thread_id': self.invoice.id,
                'post_data': {'body': "Where is my #LINK ?", 'message_type': 'comment'},
                **access,
            },
        )

    def _last_message(self):
        return self.invoice.message_ids[:1]

    def _last_comment(self):
        return self.invoice.message_ids.filtered(lambda m: m.message_type == 'comment')[:1]

    def test_a_portal_user_posting_link_gets_no_token(self):
        self.authenticate(self.portal_user.login, self.portal_user.login)
        answer = self._post_over_rpc()
        self.assertFalse(self._token_leaks(answer))
        self.assertIn('#LINK', self._last_comment().body)
        self.assertFalse(self._token_leaks(self._last_comment().body))

    def test_odoos_single_invoice_portal_link_does_not_open_the_history(self):
        answer = self._post_over_rpc(token=self.invoice._portal_ensure_token())
        self.assertFalse(self._token_leaks(answer))
        self.assertIn('#LINK', self._last_comment().body)

    def test_a_note_of_a_user_without_billing_rights_keeps_the_shortcode(self):
        self.invoice.with_user(self.readonly_accountant).message_post(
            body=Markup('<p>see #LINK</p>'), message_type='comment', subtype_xmlid='mail.mt_note'
        )
        self.assertIn('#LINK', self._last_comment().body)
        self.assertFalse(self._token_leaks(self._last_comment().body))

    def _emails_with_a_token(self):
        mails = self.env['mail.mail'].sudo().search([('model', '=', 'account.move'), ('res_id', '=', self.invoice.id)])
        return mails.filtered(lambda mail: self._token_leaks(mail.body_html))

    def test_a_template_sent_by_a_user_without_billing_rights_keeps_the_shortcode(self):
        template = self.env['mail.template'].create(
            {
                'name': "Invoicecloud who-may template",
                'model_id': self.env['ir.model']._get_id('account.move'),
                'body_html': '<p>#LINK</p>',
                'partner_to': '{{ object.partner_id.id }}',
            }
        )
        # Odoo's composer renders a template as superuser for a user who may not edit templates:
        # the user's rights decide, not the code's.
        self.invoice.with_user(self.readonly_accountant).message_post_with_source(
            template, subtype_xmlid='mail.mt_comment'
        )
        self.assertFalse(self._emails_with_a_token())
        self.invoice.with_user(self.billing_user).message_post_with_source(template, subtype_xmlid='mail.mt_comment')
        self.assertTrue(self._emails_with_a_token())

    def test_a_message_a_billing_user_sends_mails_the_link_a_note_does_not(self):
        self.invoice.message_subscribe(self.contact.ids)
        sender = self.invoice.with_user(self.billing_user)
        sender.message_post(body=Markup('<p>see #LINK</p>'), message_type='comment', subtype_xmlid='mail.mt_note')
        self.assertFalse(self._emails_with_a_token(), "a log note is no mail to the customer")
        sender.message_post(body=Markup('<p>see #LINK</p>'), message_type='comment', subtype_xmlid='mail.mt_comment')
        self.assertTrue(self._emails_with_a_token())
        self.assertIn('#LINK', self._last_comment().body)
        self.assertFalse(self._token_leaks(self._last_comment().body))

    def test_the_sent_invoice_email_in_the_chatter_opens_nothing(self):
        """The invoice email is logged in the chatter, which Odoo's own single-invoice portal link
        shows, as do the chatter's readers in the backend: it keeps #LINK, not the token."""
        self.invoice.message_subscribe(self.contact.ids)
        self.invoice.with_user(self.billing_user).message_post(
            body=Markup('<p>Your invoice: #LINK</p>'), message_type='comment', subtype_xmlid='mail.mt_comment'
        )
        self.assertTrue(self._emails_with_a_token(), "the customer's email carries the link")
        portal_link_token = self.invoice._portal_ensure_token()
        answer = self.make_jsonrpc_request(
            '/mail/chatter_fetch',
            {'thread_model': 'account.move', 'thread_id': self.invoice.id, 'token': portal_link_token},
        )
        self.assertIn('Your invoice: #LINK', str(answer))
        self.assertFalse(self._token_leaks(answer))
        self.authenticate(self.readonly_accountant.login, self.readonly_accountant.login)
        answer = self.make_jsonrpc_request(
            '/mail/thread/messages', {'thread_model': 'account.move', 'thread_id': self.invoice.id}
        )
        self.assertIn('Your invoice: #LINK', str(answer))
        self.assertFalse(self._token_leaks(answer))

    def test_a_context_sent_over_rpc_grants_nothing(self):
        """An RPC client chooses its own context: the key that marks an allowed message is no
        permission by itself."""
        self.invoice.message_subscribe(self.contact.ids)
        for user in (self.readonly_accountant, self.portal_user):
            self.authenticate(user.login, user.login)
            self.make_jsonrpc_request(
                '/web/dataset/call_kw/account.move/message_post',
                {
                    'model': 'account.move',
                    'method': 'message_post',
                    'args': [[self.invoice.id]],
                    'kwargs': {
                        'body': 'see #LINK',
                        'message_type': 'comment',
                        'subtype_xmlid': 'mail.mt_comment',
                        'partner_ids': self.contact.ids,
                        'context': {'invoicecloud_link_move_id': self.invoice.id},
                    },
                },
            )
            self.assertIn('#LINK', self._last_comment().body, user.login)
            self.assertFalse(self._emails_with_a_token(), user.login)

    def test_a_context_sent_with_odoos_portal_link_grants_nothing(self):
        self.invoice.message_subscribe(self.contact.ids)
        self.make_jsonrpc_request(
            '/mail/message/post',
            {
                'thread_model': 'account.move',
                'thread_id': self.invoice.id,
                'post_data': {'body': "see #LINK", 'message_type': 'comment'},
                'token': self.invoice._portal_ensure_token(),
                'context': {'invoicecloud_link_move_id': self.invoice.id},
            },
        )
        self.assertIn('#LINK', self._last_comment().body)
        self.assertFalse(self._emails_with_a_token())

    def test_message_notify_with_the_context_grants_nothing(self):
        self.authenticate(self.readonly_accountant.login, self.readonly_accountant.login)
        with contextlib.suppress(JsonRpcException):  # refused is as good as sent without the link
            self.make_jsonrpc_request(
                '/web/dataset/call_kw/account.move/message_notify',
                {
                    'model': 'account.move',
                    'method': 'message_notify',
                    'args': [[self.invoice.id]],
                    'kwargs': {
                        'body': 'see #LINK',
                        'partner_ids': self.contact.ids,
                        'context': {'invoicecloud_link_move_id': self.invoice.id},
                    },
                },
            )
        self.assertFalse(self._emails_with_a_token())

    def test_a_link_posted_or_quoted_is_stored_as_the_shortcode(self):
        """A customer's reply quotes the email it answers, link included; a customer may paste
        their link too. The chatter keeps neither."""
        history = self.customer.invoicecloud_history_url
        quoted = Markup(
            '<p>Paid yesterday.</p><blockquote>Dear customer, '
            f'<a href="{self.invoice.invoicecloud_url}">pay your invoice online</a></blockquote>'
        )
        self.invoice.sudo().message_post(
            body=quoted, message_type='email', subtype_xmlid='mail.mt_comment', author_id=self.contact.id
        )
        self.assertFalse(self._token_leaks(self._last_message().body))
        self.assertIn('<a href="#LINK">pay your invoice online</a>', self._last_message().body)
        self.authenticate(self.portal_user.login, self.portal_user.login)
        self.make_jsonrpc_request(
            '/mail/message/post',
            {
                'thread_model': 'account.move',
                'thread_id': self.invoice.id,
                'post_data': {'body': f"My link: {history}/ ok", 'message_type': 'comment'},
            },
        )
        self.assertFalse(self._token_leaks(self._last_comment().body))
        self.assertIn('My link: #LINK/ ok', self._last_comment().body)

    def test_a_customer_remark_never_mails_the_link(self):
        self.invoice.message_subscribe(self.billing_user.partner_id.ids)
        before = self.env['mail.mail'].sudo().search([])
        self.assertEqual(self.invoice._invoicecloud_post_remark("Pay via #LINK please"), 'sent')
        remark = self._last_comment()
        self.assertIn('#LINK', remark.body)
        self.assertFalse(self._token_leaks(remark.body))
        mails = self.env['mail.mail'].sudo().search([]) - before
        self.assertFalse([mail for mail in mails if self._token_leaks(mail.body_html)])

    def test_a_remarks_todo_marked_done_by_a_billing_user_gives_no_link(self):
        self.invoice.invoice_user_id = self.billing_user
        self.invoice._invoicecloud_post_remark("Why not #LINK?")
        activity = self.invoice.activity_ids
        self.assertEqual(len(activity), 1)
        activity.with_user(self.billing_user).action_feedback(feedback="Answered")
        self.assertFalse(self._token_leaks(self.invoice.message_ids[:1].body))
        self.assertFalse([m for m in self.invoice.message_ids if self._token_leaks(m.body)])

    def test_a_billing_user_opening_the_customer_page_sends_no_link_in_a_remark(self):
        """The remark is the customer's words, whoever is logged in while sending it."""
        self.invoice.with_user(self.billing_user)._invoicecloud_post_remark("#LINK")
        self.assertFalse(self._token_leaks(self._last_comment().body))
