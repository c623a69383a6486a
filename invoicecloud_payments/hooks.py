import logging
import time

from odoo.addons.payment import reset_payment_provider, setup_provider

from .const import CUSTOMER_MOVE_TYPES, INVOICECLOUD_CODES, OPEN_PAYMENT_STATES

_logger = logging.getLogger(__name__)


def _post_init_hook(env):
    """Set up our providers (one per company, with their accounting payment method) and give a
    token to every customer document posted before the addon, and to its customer."""
    for code in INVOICECLOUD_CODES:
        setup_provider(env, code)
    _backfill_tokens(env)
    setup_reminders(env)


def setup_reminders(env):
    """The default reminder schedule for every company; reminders off for a company that
    already has open customer invoices, so that installing the addon (or this version) does not
    mail a backlog nobody asked to chase: the accountant turns them on in the settings."""
    companies = env['res.company'].sudo().search([])
    companies._invoicecloud_default_reminder_steps()
    backlog = (
        env['account.move']
        .sudo()
        ._read_group(
            [('move_type', '=', 'out_invoice'), ('state', '=', 'posted'), ('payment_state', 'in', OPEN_PAYMENT_STATES)],
            ['company_id'],
        )
    )
    env['res.company'].union(*(company for (company,) in backlog)).invoicecloud_reminders = False


def _backfill_tokens(env):
    """Tokens for the customer documents posted before the addon, and for their customers."""
    start = time.perf_counter()
    env.cr.execute(
        """
        SELECT id FROM account_move
         WHERE move_type IN %s AND posted_before AND invoicecloud_token IS NULL
         ORDER BY id
        """,
        [CUSTOMER_MOVE_TYPES],
    )
    move_ids = [row[0] for row in env.cr.fetchall()]
    env['account.move']._invoicecloud_assign_tokens(move_ids)
    env.cr.execute(
        """
        SELECT DISTINCT p.id FROM res_partner p
          JOIN account_move m ON m.commercial_partner_id = p.id
         WHERE m.move_type IN %s AND m.posted_before AND p.invoicecloud_token IS NULL
        """,
        [CUSTOMER_MOVE_TYPES],
    )
    partner_ids = [row[0] for row in env.cr.fetchall()]
    env['res.partner']._invoicecloud_assign_tokens(partner_ids)
    _logger.info(
        "Invoicecloud: tokens for %d documents and %d customers in %.2fs",
        len(move_ids),
        len(partner_ids),
        time.perf_counter() - start,
    )


def _uninstall_hook(env):
    for code in INVOICECLOUD_CODES:
        reset_payment_provider(env, code)
