from unittest.mock import patch

from markupsafe import Markup

from odoo.tests import tagged

from odoo.addons.invoicecloud_payments import utils
from odoo.addons.invoicecloud_payments.models.account_move import AccountMove

from .common import InvoicecloudCase

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
    """#LINK in every path that sends an invoice by email."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_languages('fr_FR', 'nl_NL', 'de_DE')
        cls.template = cls.env['mail.template'].create(
            {
                'name': "Invoicecloud test template",
                'model_id': cls.env['ir.model']._get_id('account.move'),
                'subject': "Invoice {{ object.name }}: #LINK",
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

    def _anchor(self, invoice, lang='en_US'):
        return f'<a href="{invoice.invoicecloud_url}">{LABELS[lang]}</a>'

    def test_template_renders_the_link_in_the_customer_language(self):
        for lang in LABELS:
            self.contact.lang = lang
            body = self.template._render_field('body_html', self.invoice.ids, compute_lang=True)[self.invoice.id]
            self.assertIn(self._anchor(self.invoice, lang), body, lang)
            self.assertIn(f'<a href="{self.invoice.invoicecloud_url}">here</a>', body)
            self.assertIn('Not #LINKED.', body)

    def test_plain_text_field_gets_the_url(self):
        subject = self.template._render_field('subject', self.invoice.ids)[self.invoice.id]
        self.assertEqual(subject, f"Invoice {self.invoice.name}: {self.invoice.invoicecloud_url}")

    def test_template_without_shortcode_is_unchanged_byte_for_byte(self):
        stock = self.env.ref('account.email_template_edi_invoice')
        self.assertNotIn('#LINK', stock.body_html)
        for field in ('body_html', 'subject'):
            rendered = stock._render_field(field, self.invoice.ids, compute_lang=True)[self.invoice.id]
            with patch.object(AccountMove, '_invoicecloud_expand_shortcode', lambda _self, text, html: text):
                without_addon = stock._render_field(field, self.invoice.ids, compute_lang=True)[self.invoice.id]
            self.assertEqual(rendered, without_addon, field)
            self.assertEqual(type(rendered), type(without_addon), field)

    def test_each_invoice_gets_its_own_link(self):
        other = self._create_invoice(post=True, partner_id=self.customer.id)
        bodies = self.template._render_field('body_html', (self.invoice | other).ids)
        self.assertIn(self.invoice.invoicecloud_url, bodies[self.invoice.id])
        self.assertIn(other.invoicecloud_url, bodies[other.id])
        self.assertNotIn(other.invoicecloud_url, bodies[self.invoice.id])

    def test_send_wizard_for_one_invoice(self):
        self.contact.lang = 'nl_NL'
        wizard = self._create_account_move_send_wizard_single(self.invoice, template_id=self.template.id)
        self.assertIn(self._anchor(self.invoice, 'nl_NL'), wizard.body)
        wizard.action_send_and_print(allow_fallback_pdf=True)
        message = self._last_message(self.invoice)
        self.assertIn(self._anchor(self.invoice, 'nl_NL'), message.body)

    def test_text_typed_into_the_wizard_after_rendering(self):
        self.contact.lang = 'fr_FR'
        wizard = self._create_account_move_send_wizard_single(self.invoice, template_id=self.template.id)
        wizard.body = Markup('<p>Typed by hand: #LINK</p>')
        wizard.action_send_and_print(allow_fallback_pdf=True)
        self.assertIn(f'Typed by hand: {self._anchor(self.invoice, "fr_FR")}', self._last_message(self.invoice).body)

    def test_batch_send(self):
        self.env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
        other = self._create_invoice(post=True, partner_id=self.other_customer.id)
        self.other_customer.lang = 'de_DE'
        moves = self.invoice | other
        wizard = self._create_account_move_send_wizard_multi(moves)
        wizard.action_send_and_print(force_synchronous=True, allow_fallback_pdf=True)
        self.assertIn(self._anchor(self.invoice), self._last_message(self.invoice).body)
        self.assertIn(self._anchor(other, 'de_DE'), self._last_message(other).body)

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
        self.assertIn(self._anchor(self.invoice, 'de_DE'), composer.body)
        composer.body = Markup('<p>Edited: #LINK</p>')
        composer._action_send_mail()
        self.assertIn(f'Edited: {self._anchor(self.invoice, "de_DE")}', self._last_message(self.invoice).body)

        other = self._create_invoice(post=True, partner_id=self.customer.id)
        moves = self.invoice | other
        mass = (
            self.env['mail.compose.message']
            .with_context(
                default_model='account.move',
                default_res_ids=moves.ids,
                default_template_id=self.template.id,
                default_composition_mode='mass_mail',
            )
            .create({})
        )
        before = self.env['mail.mail'].search([])
        mass._action_send_mail()
        mails = self.env['mail.mail'].search([('model', '=', 'account.move'), ('res_id', 'in', moves.ids)]) - before
        self.assertEqual(len(mails), 2)
        for mail in mails:
            move = moves.browse(mail.res_id)
            self.assertIn(move.invoicecloud_url, mail.body_html)

    def test_draft_invoice_keeps_the_shortcode(self):
        draft = self._create_invoice(partner_id=self.customer.id)
        body = self.template._render_field('body_html', draft.ids)[draft.id]
        self.assertIn('#LINK', body)
        self.assertNotIn('/invoicecloud/', body)
