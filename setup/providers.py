"""Point the addon's providers at Stripe and Mollie (the real ones, or the fakes of tests/fakes):
the one way setup/demo and the tests (tests/support/shell/shop.py) do it. Runs in `odoo shell`."""


def bank_journal(env):
    """The company's bank journal, where the providers' payments are booked."""
    return env['account.journal'].search([('type', '=', 'bank'), ('company_id', '=', env.company.id)], limit=1)


def setup_stripe(env, secret_key, webhook_secret=None, api_base=None):
    """The Stripe provider in test mode and published; `api_base`: a fake Stripe's address."""
    env['ir.config_parameter'].set_param('invoicecloud_payments.stripe_api_base', api_base or False)
    provider = env.ref('invoicecloud_payments.payment_provider_stripe')
    provider.write(
        {
            'state': 'test',
            'is_published': True,
            'invoicecloud_stripe_secret_key': secret_key,
            'invoicecloud_stripe_webhook_secret': webhook_secret or False,
            'journal_id': bank_journal(env).id,
        }
    )
    return provider


def setup_mollie(env, api_key, endpoint=None):
    """The Mollie provider in test mode and published, its methods synced from the profile;
    `endpoint`: a fake Mollie's address."""
    env['ir.config_parameter'].set_param('invoicecloud_payments.mollie_api_endpoint', endpoint or False)
    provider = env.ref('invoicecloud_payments.payment_provider_mollie')
    provider.write(
        {
            'state': 'test',
            'is_published': True,
            'invoicecloud_mollie_api_key': api_key,
            'journal_id': bank_journal(env).id,
        }
    )
    provider.action_invoicecloud_mollie_sync_methods()
    return provider
