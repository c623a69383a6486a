"""Uninstall the addon, as from the Apps menu."""


def main(env):
    env['ir.module.module'].search([('name', '=', 'invoicecloud_payments')]).button_immediate_uninstall()
    env.cr.commit()
