"""The invoice email as Odoo sends it with the stock template, once the settings button has
added #LINK to it; read, then rolled back with the shell (nothing is sent)."""

import json


def main(env, invoice_id):
    invoice = env['account.move'].browse(invoice_id)
    invoice.partner_id.email = invoice.partner_id.email or 'customer@example.com'
    env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
    template = env.ref('account.email_template_edi_invoice')
    message = invoice.message_post_with_source(template, message_type='comment', subtype_xmlid='mail.mt_comment')
    body = env['mail.mail'].search([('mail_message_id', '=', message.id)], limit=1).body_html
    print('RESULT=' + json.dumps(str(body)))
