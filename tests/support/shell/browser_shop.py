"""A Dutch customer with a two-year-old open invoice and a new one sent by email with #LINK: the
email is read here (never sent), for the browser test to open its link."""

import json
from datetime import timedelta

from odoo import Command, fields


def main(env, url):
    env['res.lang']._activate_lang('nl_NL')
    env['ir.module.module']._load_module_terms(['invoicecloud_payments', 'account', 'web', 'portal', 'mail'], ['nl_NL'])
    env['ir.config_parameter'].set_param('web.base.url', url)
    env['ir.config_parameter'].set_param('web.base.url.freeze', 'True')
    partner = env['res.partner'].create(
        {'name': 'Fietsen Peeters BV', 'is_company': True, 'lang': 'nl_NL', 'email': 'boekhouding@peeters.example'}
    )

    def invoice(days_ago, lines):
        move = env['account.move'].create(
            {
                'move_type': 'out_invoice',
                'partner_id': partner.id,
                'invoice_date': fields.Date.today() - timedelta(days=days_ago),
                'invoice_date_due': fields.Date.today() - timedelta(days=days_ago - 30),
                'invoice_line_ids': [Command.create({'name': n, 'quantity': q, 'price_unit': p}) for n, q, p in lines],
            }
        )
        move.action_post()
        return move

    old = invoice(730, [('Onderhoud 2024', 1, 120.0)])
    new = invoice(0, [('Fietsherstelling', 2, 45.5), ('Remblokken', 4, 12.25)])
    env['res.config.settings'].create({}).action_invoicecloud_add_link_to_invoice_template()
    message = new.message_post_with_source(
        'account.email_template_edi_invoice', message_type='comment', subtype_xmlid='mail.mt_comment'
    )
    mails = env['mail.mail'].search([('mail_message_id', '=', message.id)])
    body = mails[:1].body_html
    mails.write({'state': 'cancel'})  # read here, never sent
    env.cr.commit()
    result = {'body': str(body), 'invoice': new.name, 'invoice_id': new.id, 'old': old.name, 'partner_id': partner.id}
    print('RESULT=' + json.dumps(result))
