from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..const import (
    CUSTOMER_MOVE_TYPES,
    HISTORY_PAGE_SIZE,
    OPEN_PAYMENT_STATES,
    PAID_PAYMENT_STATES,
    TOKEN_READER_GROUP,
)
from ..urls import page_path


class ResPartner(models.Model):
    _name = 'res.partner'
    _inherit = ['res.partner', 'invoicecloud.token.mixin']

    invoicecloud_history_url = fields.Char(
        string="Invoicecloud History Link",
        compute='_compute_invoicecloud_history_url',
        groups=TOKEN_READER_GROUP,
        help="The page where this customer sees every invoice and credit note they received.",
    )

    @api.depends('invoicecloud_token')
    def _compute_invoicecloud_history_url(self):
        for partner in self:
            token = partner.invoicecloud_token
            partner.invoicecloud_history_url = token and f"{partner.get_base_url()}{page_path(token, history=True)}"

    def action_invoicecloud_revoke_links(self):
        """Revoke every link of this customer at once: their history link and the link of each
        of their invoices and credit notes get new tokens, so no link the customer ever received
        opens a page any more (an invoice page shows the current history link: resetting the
        history link alone would be undone by any old invoice link). Mail them again to share."""
        self.ensure_one()
        self.check_access('write')
        if not self.env.user.has_group(TOKEN_READER_GROUP):
            raise AccessError(self.env._("Only billing users can revoke a customer's links."))
        customer = self.commercial_partner_id.sudo()
        moves = (
            self.env['account.move']
            .sudo()
            .search([('commercial_partner_id', '=', customer.id), ('invoicecloud_token', '!=', False)])
        )
        self.env['account.move']._invoicecloud_renew_tokens(moves.ids)
        self._invoicecloud_renew_tokens(customer.ids)
        customer.message_post(
            body=self.env._(
                "Every Invoicecloud link of this customer was revoked (the history link and %(count)s "
                "invoice links): the old links answer \"not found\".",
                count=len(moves),
            )
        )

    def action_invoicecloud_reset_token(self):
        """A customer's links go all at once (see `action_invoicecloud_revoke_links`): renewing
        the history link alone would be undone by any of their invoice links."""
        return self.action_invoicecloud_revoke_links()

    def write(self, vals):
        """A contact moved to another company (or a company made a contact of another) takes the
        documents addressed to them along: each gets a new link (as a document given to another
        customer, `account.move.write`), so a link mailed before opens nothing of the new company's."""
        if not {'parent_id', 'is_company'} & vals.keys():  # what decides the commercial partner
            return super().write(vals)
        customers = {partner.id: partner.commercial_partner_id for partner in self}
        result = super().write(vals)
        moved = self.filtered(lambda partner: partner.commercial_partner_id != customers[partner.id])
        if moved:
            Move = self.env['account.move'].sudo()
            documents = Move.search([('partner_id', 'child_of', moved.ids), ('invoicecloud_token', '!=', False)])
            Move._invoicecloud_renew_tokens(documents.ids)
        return result

    # --- history ----------------------------------------------------------------------------

    def _invoicecloud_history_domain(self, state='all'):
        """Every customer document this customer received (posted, or cancelled after posting),
        narrowed to the open or paid ones by `state`."""
        self.ensure_one()
        domain = [
            ('commercial_partner_id', '=', self.id),
            ('move_type', 'in', CUSTOMER_MOVE_TYPES),
            ('posted_before', '=', True),
            ('state', 'in', ('posted', 'cancel')),
        ]
        if state == 'open':
            domain += [('state', '=', 'posted'), ('payment_state', 'in', OPEN_PAYMENT_STATES)]
        elif state == 'paid':
            domain += [('payment_state', 'in', PAID_PAYMENT_STATES)]
        return domain

    def _invoicecloud_history_companies(self):
        """The companies whose documents the history lists (one query): rows name their company
        when there are several."""
        groups = self.env['account.move'].sudo()._read_group(self._invoicecloud_history_domain(), ['company_id'])
        return self.env['res.company'].union(*(company for (company,) in groups))

    def _invoicecloud_history_count(self, state):
        return self.env['account.move'].sudo().search_count(self._invoicecloud_history_domain(state))

    def _invoicecloud_history_page(self, state, offset):
        """One page of the history, newest first."""
        return (
            self.env['account.move']
            .sudo()
            .search(
                self._invoicecloud_history_domain(state),
                order='invoice_date desc, id desc',
                limit=HISTORY_PAGE_SIZE,
                offset=offset,
            )
        )

    def _invoicecloud_totals(self):
        """Amounts due and overdue per currency: [{'currency': res.currency, 'due': x, 'overdue': y}].

        Credit notes lower what is due; two aggregate queries, whatever the size of the history.
        """
        self.ensure_one()
        Move = self.env['account.move'].sudo()
        open_domain = self._invoicecloud_history_domain('open')
        overdue_domain = open_domain + [
            ('move_type', '=', 'out_invoice'),
            ('invoice_date_due', '<', fields.Date.context_today(self)),
        ]
        totals = {}
        for currency, move_type, residual in Move._read_group(
            open_domain,
            ['currency_id', 'move_type'],
            ['amount_residual:sum'],
        ):
            line = totals.setdefault(currency, {'currency': currency, 'due': 0.0, 'overdue': 0.0})
            line['due'] += -residual if move_type == 'out_refund' else residual
        for currency, residual in Move._read_group(overdue_domain, ['currency_id'], ['amount_residual:sum']):
            totals[currency]['overdue'] = residual
        return list(totals.values())
