from markupsafe import Markup

from odoo.tests import tagged

from odoo.addons.invoicecloud_payments import utils

from .common import InvoicecloudCase


@tagged('post_install', '-at_install')
class TestSettings(InvoicecloudCase):
    def _sent_email(self):
        """The body of the email Odoo sends the customer with the stock invoice template."""
        message = self.invoice.message_post_with_source(
            'account.email_template_edi_invoice', message_type='comment', subtype_xmlid='mail.mt_comment'
        )
        return self.env['mail.mail'].sudo().search([('mail_message_id', '=', message.id)], limit=1).body_html

    def test_add_link_to_the_stock_invoice_template_once(self):
        template = self.env.ref('account.email_template_edi_invoice')
        settings = self.env['res.config.settings'].create({})
        self.assertFalse(settings.invoicecloud_template_has_link)
        settings.action_invoicecloud_add_link_to_invoice_template()
        settings.action_invoicecloud_add_link_to_invoice_template()
        self.assertEqual(template.body_html.count('#LINK'), 1)
        self.assertTrue(self.env['res.config.settings'].create({}).invoicecloud_template_has_link)
        self.assertIn(f'<a href="{self.invoice.invoicecloud_url}">pay your invoice online</a>', self._sent_email())

    def test_link_goes_before_the_signature_so_the_chatter_does_not_fold_it(self):
        self.invoice.invoice_user_id.signature = Markup('<p>Best regards, Anna</p>')
        self.env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
        body = self._sent_email()
        self.assertLess(body.index('pay your invoice online'), body.index('Best regards, Anna'))

    def test_added_link_keeps_the_template_translations(self):
        self._activate_languages('fr_FR')
        template = self.env.ref('account.email_template_edi_invoice')
        before_fr = template.with_context(lang='fr_FR').body_html
        self.env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
        after_fr = template.with_context(lang='fr_FR').body_html
        self.assertEqual(after_fr.count('#LINK'), 1)
        self.assertEqual(str(after_fr).replace(utils.SHORTCODE_SNIPPET, ''), str(before_fr))

    def test_custom_body_without_signature_gets_a_paragraph(self):
        self.assertEqual(
            utils.add_shortcode_paragraph(Markup('<div><p>Hello</p></div>\n')),
            '<div><p>Hello</p><p>#LINK</p></div>\n',
        )
        self.assertEqual(utils.add_shortcode_paragraph('<p>Hello</p>'), '<p>Hello</p><p>#LINK</p>')
