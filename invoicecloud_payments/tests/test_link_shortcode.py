import re
from unittest.mock import patch

from markupsafe import Markup

from odoo.tests import tagged

from odoo.addons.invoicecloud_payments import utils
from odoo.addons.invoicecloud_payments.models.account_move import AccountMove

from .common import InvoicecloudCase

SIGNED_TOKEN_RE = re.compile(r'token=[\w-]+')

LABELS = {
    'en_US': 'pay your invoice online',
    'fr_FR': 'payez votre facture en ligne',
    'nl_NL': 'betaal uw factuur online',
    'de_DE': 'bezahlen Sie Ihre Rechnung online',
}


@tagged('post_install', '-at_install')
class TestLinkShortcodeText(InvoicecloudCase):
    """The text functions alone."""

    URL = 'https://example.com/invoicecloud/tok?a=1&b=2'

    def test_only_the_exact_shortcode_is_replaced(self):
        text = "#LINK #LINKED #LINK2 a#LINK (#LINK). &#LINK ##LINK"
        self.assertEqual(
            utils.expand_shortcode_text(text, 'U'),
            "U #LINKED #LINK2 a#LINK (U). &#LINK ##LINK",
        )

    def test_html_text_becomes_an_anchor_with_escaped_url(self):
        html = Markup('<p>Pay here: #LINK</p>')
        result = utils.expand_shortcode_html(html, self.URL, 'pay <now>')
        self.assertIsInstance(result, Markup)
        self.assertEqual(
            result,
            '<p>Pay here: <a href="https://example.com/invoicecloud/tok?a=1&amp;b=2">pay &lt;now&gt;</a></p>',
        )

    def test_html_href_gets_the_url_and_other_attributes_stay(self):
        html = Markup('<a href="#LINK" title="#LINK">Pay</a><img alt="#LINK"/><!-- #LINKED -->')
        self.assertEqual(
            utils.expand_shortcode_html(html, 'https://x/y', 'L'),
            '<a href="https://x/y" title="#LINK">Pay</a><img alt="#LINK"/><!-- #LINKED -->',
        )


@tagged('post_install', '-at_install')
class TestLinkShortcodeMail(InvoicecloudCase):
    """#LINK in every path that sends an invoice by email: the email to the customer carries the
    link; what is stored (the chatter, the template's preview) keeps #LINK as written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_languages('fr_FR', 'nl_NL', 'de_DE')
        cls.template = cls.env['mail.template'].create(
            {
                'name': "Invoicecloud test template",
                'model_id': cls.env['ir.model']._get_id('account.move'),
                'subject': "Invoice {{ object.name }}",
                'body_html': '<p>Dear customer, #LINK or <a href="#LINK">here</a>. Not #LINKED.</p>',
                'lang': '{{ object.partner_id.lang }}',
                'partner_to': '{{ object.partner_id.id }}',
            }
        )
        # The account test base sets partners to "manual" (download); these customers want email.
        (cls.customer | cls.other_customer).with_company(cls.company_data["company"]).invoice_sending_method = "email"
        cls.other_customer.email = "other@example.com"

    def _last_message(self, move):
        return self.env['mail.message'].search(
            [('model', '=', move._name), ('res_id', '=', move.id), ('message_type', '=', 'comment')],
            limit=1,
        )

    def _email_to(self, move, partner):
        """The body of the last email about `move` to `partner`."""
        mails = (
            self.env['mail.mail']
            .sudo()
            .search(
                [('model', '=', move._name), ('res_id', '=', move.id), ('recipient_ids', 'in', partner.ids)],
                order='id desc',
                limit=1,
            )
        )
        self.assertTrue(mails, f"an email to {partner.name}")
        return mails.body_html

    def _send(self, move):
        return move.message_post_with_source(self.template, message_type='comment', subtype_xmlid='mail.mt_comment')

    def _mass_mail_composer(self, moves):
        return (
            self.env['mail.compose.message']
            .with_context(
                default_model='account.move',
                default_res_ids=moves.ids,
                default_template_id=self.template.id,
                default_composition_mode='mass_mail',
            )
            .create({})
        )

    def _anchor(self, invoice, lang='en_US'):
        return f'<a href="{invoice.invoicecloud_url}">{LABELS[lang]}</a>'

    def assertKeepsTheShortcode(self, text):
        self.assertIn('#LINK', str(text))
        self.assertNotIn('/invoicecloud/', str(text))

    def test_the_customers_email_gets_the_link_in_their_language(self):
        for lang in LABELS:
            self.contact.lang = lang
            self._send(self.invoice)
            body = self._email_to(self.invoice, self.contact)
            self.assertIn(self._anchor(self.invoice, lang), body, lang)
            self.assertIn(f'<a href="{self.invoice.invoicecloud_url}">here</a>', body)
            self.assertIn('Not #LINKED.', body)
            self.assertKeepsTheShortcode(self._last_message(self.invoice).body)

    def test_what_is_rendered_and_stored_keeps_the_shortcode(self):
        """The template's preview and the chatter show #LINK: they are read by more people than
        the customer (Odoo's own portal link of the invoice shows its chatter)."""
        rendered = self.template._render_field('body_html', self.invoice.ids, compute_lang=True)
        self.assertKeepsTheShortcode(rendered[self.invoice.id])
        self._send(self.invoice)
        self.assertKeepsTheShortcode(self._last_message(self.invoice).body)

    def test_a_body_without_shortcode_is_left_byte_for_byte(self):
        """The stock template, without #LINK, is sent exactly as Odoo sends it without the addon's
        expansion."""
        stock = self.env.ref('account.email_template_edi_invoice')
        self.assertNotIn('#LINK', stock.body_html)
        self.invoice.message_post_with_source(stock, message_type='comment', subtype_xmlid='mail.mt_comment')
        with_addon = self._email_to(self.invoice, self.contact)
        with patch.object(AccountMove, '_invoicecloud_expand_shortcode', lambda move, text, html, lang=None: text):
            self.invoice.message_post_with_source(stock, message_type='comment', subtype_xmlid='mail.mt_comment')
        without = self._email_to(self.invoice, self.contact)
        self.assertNotIn('/invoicecloud/', with_addon)
        # Odoo signs its own links with the time (`_generate_signed_token`): two sends a second
        # apart differ there, and only there.
        self.assertEqual(SIGNED_TOKEN_RE.sub('token=*', with_addon), SIGNED_TOKEN_RE.sub('token=*', without))

    def test_each_invoice_gets_its_own_link(self):
        other = self._create_invoice(post=True, partner_id=self.customer.id)
        for move in self.invoice | other:
            self._send(move)
        self.assertIn(self.invoice.invoicecloud_url, self._email_to(self.invoice, self.contact))
        self.assertIn(other.invoicecloud_url, self._email_to(other, self.customer))
        self.assertNotIn(other.invoicecloud_url, self._email_to(self.invoice, self.contact))

    def test_send_wizard_for_one_invoice(self):
        self.contact.lang = 'nl_NL'
        wizard = self._create_account_move_send_wizard_single(self.invoice, template_id=self.template.id)
        self.assertKeepsTheShortcode(wizard.body)
        wizard.action_send_and_print(allow_fallback_pdf=True)
        self.assertKeepsTheShortcode(self._last_message(self.invoice).body)
        self.assertIn(self._anchor(self.invoice, 'nl_NL'), self._email_to(self.invoice, self.contact))

    def test_text_typed_into_the_wizard_after_rendering(self):
        self.contact.lang = 'fr_FR'
        wizard = self._create_account_move_send_wizard_single(self.invoice, template_id=self.template.id)
        wizard.body = Markup('<p>Typed by hand: #LINK</p>')
        wizard.action_send_and_print(allow_fallback_pdf=True)
        self.assertIn(
            f'Typed by hand: {self._anchor(self.invoice, "fr_FR")}', self._email_to(self.invoice, self.contact)
        )

    def test_batch_send(self):
        self.env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
        other = self._create_invoice(post=True, partner_id=self.other_customer.id)
        self.other_customer.lang = 'de_DE'
        moves = self.invoice | other
        wizard = self._create_account_move_send_wizard_multi(moves)
        wizard.action_send_and_print(force_synchronous=True, allow_fallback_pdf=True)
        self.assertIn(self._anchor(self.invoice), self._email_to(self.invoice, self.contact))
        self.assertIn(self._anchor(other, 'de_DE'), self._email_to(other, self.other_customer))
        for move in moves:
            self.assertKeepsTheShortcode(self._last_message(move).body)

    def test_composer_comment_and_mass_mail(self):
        self.contact.lang = 'de_DE'
        composer = (
            self.env['mail.compose.message']
            .with_context(
                default_model='account.move',
                default_res_ids=self.invoice.ids,
                default_template_id=self.template.id,
            )
            .create({})
        )
        self.assertKeepsTheShortcode(composer.body)
        composer.body = Markup('<p>Edited: #LINK</p>')
        composer._action_send_mail()
        self.assertIn(f'Edited: {self._anchor(self.invoice, "de_DE")}', self._email_to(self.invoice, self.contact))
        self.assertKeepsTheShortcode(self._last_message(self.invoice).body)

        other = self._create_invoice(post=True, partner_id=self.customer.id)
        moves = self.invoice | other
        mass = self._mass_mail_composer(moves)
        mail_sudo = self.env['mail.mail'].sudo()
        before = mail_sudo.search([])
        mass._action_send_mail()
        mails = mail_sudo.search([('model', '=', 'account.move'), ('res_id', 'in', moves.ids)]) - before
        self.assertEqual(len(mails), 2)
        for mail in mails:
            move = moves.browse(mail.res_id)
            self.assertIn(move.invoicecloud_url, mail.body_html)
            self.assertKeepsTheShortcode(mail.mail_message_id.body)

    def _colleague(self):
        return self.env['res.users'].create(
            {
                'name': "Colleague",
                'login': 'ic_link_colleague',
                'email': 'colleague@example.com',
                'notification_type': 'email',
                'group_ids': [(6, 0, self.env.ref('base.group_user').ids)],
            }
        )

    def test_an_internal_recipient_gets_the_shortcode_not_the_link(self):
        """The link is the customer's key to their history; colleagues have the invoice in Odoo."""
        colleague = self._colleague()
        self.invoice.message_subscribe(colleague.partner_id.ids)
        self._send(self.invoice)
        self.assertKeepsTheShortcode(self._email_to(self.invoice, colleague.partner_id))
        self.assertIn(self.invoice.invoicecloud_url, self._email_to(self.invoice, self.contact))

    def test_a_message_to_an_internal_address_keeps_the_shortcode(self):
        """An address typed in by hand (not a partner) that is a colleague's gets #LINK as written."""
        self._colleague()
        self.invoice.message_post(
            body=Markup('<p>#LINK</p>'),
            message_type='comment',
            subtype_xmlid='mail.mt_comment',
            outgoing_email_to='colleague@example.com',
        )
        mails = (
            self.env['mail.mail']
            .sudo()
            .search(
                [('model', '=', 'account.move'), ('res_id', '=', self.invoice.id), ('email_to', 'ilike', 'colleague@')]
            )
        )
        self.assertEqual(len(mails), 1)
        self.assertKeepsTheShortcode(mails.body_html)

    def test_a_mass_mail_to_an_internal_address_keeps_the_shortcode(self):
        colleague = self._colleague()
        self.template.write({'use_default_to': False, 'partner_to': False, 'email_to': 'colleague@example.com'})
        mass = self._mass_mail_composer(self.invoice)
        mass._action_send_mail()
        mail = self.env['mail.mail'].sudo().search([('model', '=', 'account.move'), ('res_id', '=', self.invoice.id)])
        self.assertEqual(len(mail), 1)
        self.assertTrue(
            'colleague@example.com' in (mail.email_to or '') or colleague.partner_id in mail.recipient_ids,
            (mail.email_to, mail.recipient_ids.mapped('email'), self.template.use_default_to),
        )
        self.assertKeepsTheShortcode(mail.body_html)

    def test_draft_invoice_keeps_the_shortcode(self):
        draft = self._create_invoice(partner_id=self.customer.id)
        self._send(draft)
        self.assertKeepsTheShortcode(self._email_to(draft, self.customer))
