"""1.8: reminders. Each company gets the default schedule; a company with open customer invoices
gets them off until the accountant turns them on (no backlog mailed by an upgrade)."""

from odoo import SUPERUSER_ID, api

from odoo.addons.invoicecloud_payments.hooks import setup_reminders


def migrate(cr, version):
    setup_reminders(api.Environment(cr, SUPERUSER_ID, {}))
