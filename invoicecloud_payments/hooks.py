from .const import CUSTOMER_MOVE_TYPES


def _post_init_hook(env):
    """Give a token to every customer document posted before the addon, and to its customer."""
    env.cr.execute(
        """
        SELECT id FROM account_move
         WHERE move_type IN %s AND posted_before AND invoicecloud_token IS NULL
         ORDER BY id
        """,
        [CUSTOMER_MOVE_TYPES],
    )
    env['account.move']._invoicecloud_assign_tokens([row[0] for row in env.cr.fetchall()])
    env.cr.execute(
        """
        SELECT DISTINCT p.id FROM res_partner p
          JOIN account_move m ON m.commercial_partner_id = p.id
         WHERE m.move_type IN %s AND m.posted_before AND p.invoicecloud_token IS NULL
        """,
        [CUSTOMER_MOVE_TYPES],
    )
    env['res.partner']._invoicecloud_assign_tokens([row[0] for row in env.cr.fetchall()])
