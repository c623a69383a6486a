"""1.1: the Mollie provider joins Stripe. Databases installed before get what a fresh install's
post-init hook gives: one provider per company and its accounting payment method."""

from odoo import api

from odoo.addons.invoicecloud_payments.const import MOLLIE_CODE
from odoo.addons.payment import setup_provider


def migrate(cr, version):
    setup_provider(api.Environment(cr, api.SUPERUSER_ID, {}), MOLLIE_CODE)
