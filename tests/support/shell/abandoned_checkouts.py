"""Abandoned checkouts of one invoice: one made through the ORM, copied in SQL as `rows` say."""

import json

from odoo import Command


def main(env, invoice_id, rows):
    invoice = env['account.move'].browse(invoice_id)
    provider = env.ref('invoicecloud_payments.payment_provider_stripe')
    template = (
        env['payment.transaction']
        .with_context(invoicecloud_checkout=True)
        .create(
            {
                'provider_id': provider.id,
                'payment_method_id': env.ref('payment.payment_method_card').id,
                'reference': 'ABANDONED-TEMPLATE',
                'amount': invoice.amount_residual,
                'currency_id': invoice.currency_id.id,
                'partner_id': invoice.partner_id.id,
                'operation': 'online_redirect',
                'invoice_ids': [Command.set(invoice.ids)],
            }
        )
    )
    env.cr.execute(
        """
        INSERT INTO payment_transaction (
            reference, provider_reference, create_date, write_date, invoicecloud_next_check,
            provider_id, payment_method_id, company_id, amount, currency_id, partner_id, operation, state,
            is_post_processed, create_uid, write_uid
        )
        SELECT row.reference, row.session, row.created::timestamp, row.created::timestamp, row.next_check::timestamp,
               t.provider_id, t.payment_method_id, t.company_id, t.amount, t.currency_id, t.partner_id, t.operation,
               'draft', true, t.create_uid, t.write_uid
          FROM payment_transaction t,
               json_to_recordset(%s::json) AS row(reference text, session text, created text, next_check text)
         WHERE t.id = %s
        """,
        [json.dumps(rows), template.id],
    )
    template.unlink()
    env.cr.commit()
    print('RESULT=' + json.dumps(len(rows)))
