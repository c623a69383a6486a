"""The addon installs on a database that already holds posted invoices, and uninstalls cleanly."""

import pytest

from odoo_server import OdooServer

pytestmark = pytest.mark.slow


def _columns(cr):
    cr.execute(
        "SELECT table_name FROM information_schema.columns WHERE column_name = 'invoicecloud_token' ORDER BY table_name"
    )
    return [row[0] for row in cr.fetchall()]


def test_install_on_existing_invoices_then_uninstall():
    odoo = OdooServer('install_uninstall', modules='account_payment')
    try:
        odoo.create()
        odoo.run('install_seed')
        odoo.install('invoicecloud_payments')
        with odoo.connect() as conn, conn.cursor() as cr:
            cr.execute(
                "SELECT move_type, state, invoicecloud_token IS NOT NULL FROM account_move"
                " WHERE partner_id IN (SELECT id FROM res_partner WHERE name = 'Old Customer') ORDER BY id"
            )
            rows = cr.fetchall()
            cr.execute("SELECT invoicecloud_token IS NOT NULL FROM res_partner WHERE name = 'Old Customer'")
            partner_has_token = cr.fetchone()[0]
        assert rows == [
            ('out_invoice', 'posted', True),
            ('out_invoice', 'posted', True),
            ('out_refund', 'posted', True),
            ('in_invoice', 'posted', False),
            ('out_invoice', 'draft', False),
        ]
        assert partner_has_token

        odoo.run('uninstall')
        with odoo.connect() as conn, conn.cursor() as cr:
            assert _columns(cr) == []
            cr.execute("SELECT count(*) FROM ir_ui_view WHERE key LIKE 'invoicecloud_payments.%'")
            assert cr.fetchone()[0] == 0
            cr.execute("SELECT state FROM ir_module_module WHERE name = 'invoicecloud_payments'")
            assert cr.fetchone()[0] == 'uninstalled'
    finally:
        odoo.drop()
