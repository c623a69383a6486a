"""1.5: the Stripe publishable key is gone (Stripe's hosted Checkout never needed it)."""


def migrate(cr, version):
    cr.execute('ALTER TABLE payment_provider DROP COLUMN IF EXISTS invoicecloud_stripe_publishable_key')
