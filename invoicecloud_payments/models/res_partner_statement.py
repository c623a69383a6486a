from collections import defaultdict

from odoo import models

from ..const import STATEMENT_AGEING_BUCKETS


class ResPartner(models.Model):
    """A customer's statement of account with one company: what Odoo's partner ledger holds for
    them (posted journal items on trade receivable accounts, in the company's currency), over a
    period, with the balance before and after it and the ageing of what is left open."""

    _inherit = 'res.partner'

    def _invoicecloud_statement_domain(self, company):
        """The partner ledger's items of this customer and their contacts in `company`: the
        domains of Odoo's own Posted and Receivable filters (account.view_account_move_line_filter)."""
        self.ensure_one()
        return [
            ('company_id', '=', company.id),
            ('partner_id', 'child_of', self.commercial_partner_id.id),
            ('parent_state', '=', 'posted'),
            ('account_id.account_type', '=', 'asset_receivable'),
            ('account_id.non_trade', '=', False),
            ('display_type', 'not in', ('line_section', 'line_subsection', 'line_note')),
        ]

    def _invoicecloud_statement(self, company, date_from, date_to):
        """The statement as the pages, the PDF and the CSV show it (amounts in the company's
        currency, rounded by it): `opening`, `rows` (one per journal entry, dated, with the running
        balance), `closing`, and `ageing`, what was left open on `date_to` by days past due."""
        self.ensure_one()
        Line = self.env['account.move.line'].sudo().with_company(company)
        currency = company.currency_id
        domain = self._invoicecloud_statement_domain(company)
        [(opening,)] = Line._read_group(domain + [('date', '<', date_from)], aggregates=['balance:sum'])
        opening = currency.round(opening or 0.0)

        # The period's items, and the earlier ones still open on `date_to` (open now, or
        # reconciled after it): an item settled by then adds nothing to the ageing, and a
        # customer's years of settled documents are not read.
        lines = Line.search_fetch(
            domain
            + [
                ('date', '<=', date_to),
                '|',
                '|',
                '|',
                ('date', '>=', date_from),
                ('amount_residual', '!=', 0),
                ('matched_debit_ids.max_date', '>', date_to),
                ('matched_credit_ids.max_date', '>', date_to),
            ],
            ['date', 'date_maturity', 'balance', 'move_id', 'move_name', 'ref', 'payment_id'],
            order='date, move_name, id',
        )
        in_period = lines.filtered(lambda line: line.date >= date_from)
        rows = self._invoicecloud_statement_rows(in_period, opening, currency)
        closing = rows[-1]['balance'] if rows else opening
        return {
            'company': company,
            'currency': currency,
            'date_from': date_from,
            'date_to': date_to,
            'opening': opening,
            'rows': rows,
            'debit': currency.round(sum(row['debit'] for row in rows)),
            'credit': currency.round(sum(row['credit'] for row in rows)),
            'closing': closing,
            'ageing': self._invoicecloud_statement_ageing(lines, date_to, currency),
            'in_process': self._invoicecloud_statement_in_process(company, date_to),
        }

    def _invoicecloud_statement_in_process(self, company, date_to):
        """Payments Odoo recorded without a journal entry yet (a journal whose payment method
        has no outstanding account: the entry comes with the bank statement). They are in no
        ledger, so in none of the statement's balances; the customer still sees they were
        received (the invoice says "In Payment")."""
        payments = (
            self.env['account.payment']
            .sudo()
            .search(
                [
                    ('company_id', '=', company.id),
                    ('partner_id', 'child_of', self.commercial_partner_id.id),
                    ('partner_type', '=', 'customer'),
                    ('move_id', '=', False),
                    ('state', 'in', ('in_process', 'paid')),
                    ('date', '<=', date_to),
                ],
                order='date, id',
            )
        )
        return [
            {'date': payment.date, 'name': payment.name, 'amount': payment.amount_company_currency_signed}
            for payment in payments
        ]

    def _invoicecloud_statement_rows(self, lines, opening, currency):
        """One row per journal entry (an invoice with instalments has several receivable items),
        in date order, with the balance after it."""
        by_move = defaultdict(lambda: self.env['account.move.line'])
        for line in lines:
            by_move[line.move_id] |= line
        rows, balance = [], opening
        for move, move_lines in by_move.items():
            kind = self._invoicecloud_statement_kind(move, move_lines)
            amount = currency.round(sum(move_lines.mapped('balance')))
            balance = currency.round(balance + amount)
            rows.append(
                {
                    'date': move_lines[0].date,
                    'name': move_lines[0].move_name,
                    'kind': kind,
                    # An entry of the accountant's (a write-off, an exchange difference) may
                    # carry an internal reference: only documents the customer has show theirs.
                    'reference': (move_lines[0].ref or '') if kind != 'other' else '',
                    'due': max(move_lines.mapped('date_maturity'), default=False) if amount > 0 else False,
                    'debit': amount if amount > 0 else 0.0,
                    'credit': -amount if amount < 0 else 0.0,
                    'balance': balance,
                }
            )
        return rows

    @staticmethod
    def _invoicecloud_statement_kind(move, lines):
        """'invoice', 'credit_note', 'payment' or 'other' (write-offs, exchange differences...)."""
        if move.move_type == 'out_invoice':
            return 'invoice'
        if move.move_type == 'out_refund':
            return 'credit_note'
        if lines.payment_id or move.statement_line_id:
            return 'payment'
        return 'other'

    def _invoicecloud_statement_ageing(self, lines, date_to, currency):
        """What each item still owed on `date_to`, by days past its due date: its balance less
        the reconciliations dated by then (a payment made later does not pay it yet). The
        buckets add up to the closing balance."""
        Partial = self.env['account.partial.reconcile'].sudo()
        settled = defaultdict(float)
        if lines:
            partial_domain = [('max_date', '<=', date_to)]
            for side, sign in (('debit_move_id', -1), ('credit_move_id', 1)):
                for line, amount in Partial._read_group(
                    partial_domain + [(side, 'in', lines.ids)], [side], ['amount:sum']
                ):
                    settled[line.id] += sign * amount
        buckets = dict.fromkeys((key for key, _low, _high in STATEMENT_AGEING_BUCKETS), 0.0)
        for line in lines:
            left = line.balance + settled[line.id]
            if currency.is_zero(left):
                continue
            days = (date_to - (line.date_maturity or line.date)).days
            key = next(
                key
                for key, low, high in STATEMENT_AGEING_BUCKETS
                if (low is None or low <= days) and (high is None or days <= high)
            )
            buckets[key] += left
        return [(key, currency.round(amount)) for key, amount in buckets.items()]

    def _invoicecloud_statement_filename(self, statement, extension):
        """'Statement of account 2025-12-01 2026-11-30.pdf', in the language of the context."""
        title = self.env._("Statement of account")
        return f"{title} {statement['date_from'].isoformat()} {statement['date_to'].isoformat()}.{extension}"

    def _invoicecloud_statement_pdf(self, company, date_from, date_to):
        """(PDF bytes, file name) of the statement, drawn by Odoo's report engine under the
        company's letterhead, in the language of the context."""
        self.ensure_one()
        data = {'company_id': company.id, 'date_from': date_from.isoformat(), 'date_to': date_to.isoformat()}
        report = self.env['ir.actions.report'].sudo().with_company(company)
        content, _kind = report._render_qweb_pdf('invoicecloud_payments.action_report_statement', self.ids, data=data)
        statement = {'date_from': date_from, 'date_to': date_to}
        return content, self._invoicecloud_statement_filename(statement, 'pdf')
