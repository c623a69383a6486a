from markupsafe import Markup

from odoo import api, fields, models

from ..const import PAY_PART_LABELS


class InvoicecloudPaymentLine(models.Model):
    """What one online payment pays on one invoice: the whole amount (discounted or not), an
    instalment, or an amount of the customer's choice. Made with the transaction, from the
    server's own figures, and read when the payment is booked: the discount is granted, and
    each invoice gets its part, as they were when the customer paid."""

    _name = 'invoicecloud.payment.line'
    _description = "Invoicecloud Payment Line"
    _order = 'transaction_id, id'

    transaction_id = fields.Many2one(comodel_name='payment.transaction', required=True, ondelete='cascade', index=True)
    move_id = fields.Many2one(
        comodel_name='account.move', string="Invoice", required=True, ondelete='cascade', index=True
    )
    currency_id = fields.Many2one(related='transaction_id.currency_id')
    part = fields.Selection(selection=PAY_PART_LABELS, string="Paid", required=True)
    amount = fields.Monetary(required=True, help="What this payment brings to the invoice.")
    discount_amount = fields.Monetary(
        string="Early Payment Discount",
        help="Granted when the payment is made by the discount date: the invoice is then paid in full.",
    )
    discount_date = fields.Date(string="Discount Until")
    discount_granted = fields.Boolean(
        readonly=True,
        help="The payment was made by the discount date, and the discount was booked.",
    )

    # --- plan: what the customer pays on each invoice -----------------------------------------

    @api.model
    def _invoicecloud_plan(self, invoices, parts=None, custom_amount=None):
        """The lines of a payment of `invoices` (sudo'd), as create values without transaction:
        for each invoice, the part `parts` ({invoice id: part}) chooses, its whole amount by
        default. `custom_amount`: for the custom part (one invoice). None when a choice is not
        one the invoice offers now."""
        parts = parts or {}
        plan = []
        for invoice in invoices:
            terms = invoice._invoicecloud_terms()
            part = parts.get(invoice.id, 'full')
            values = {'move_id': invoice.id, 'part': part}
            if part == 'full' and terms['discount']:
                values.update(
                    part='discount',
                    amount=terms['due_now'],
                    discount_amount=terms['discount'],
                    discount_date=terms['discount_date'],
                )
            elif part == 'full':
                values['amount'] = terms['remainder']
            elif part == 'instalment' and terms['instalment']:
                values['amount'] = terms['instalment']
            elif part == 'custom' and len(invoices) == 1 and custom_amount is not None:
                bounds = invoice._invoicecloud_custom_bounds()
                currency = invoice.currency_id
                if not bounds or currency.compare_amounts(custom_amount, bounds[0]) < 0:
                    return None
                if currency.compare_amounts(custom_amount, bounds[1]) >= 0:
                    return self._invoicecloud_plan(invoices)  # all of it: the whole amount, discount included
                values['amount'] = currency.round(custom_amount)
            else:
                return None
            plan.append(values)
        return plan

    # --- booking: the payment posted, each invoice paid its part -----------------------------

    def _invoicecloud_grant_discounts(self, paid_on):
        """The lines among these whose discount holds for a payment made on `paid_on`: by the
        discount date, the invoice still open and its payment terms untouched (Odoo's own rule,
        `_is_eligible_for_early_payment_discount`), and the discount still the one the customer
        was charged for (an invoice reset to draft, edited and posted again meanwhile has a new
        one). Marks them granted."""
        granted = self.filtered(lambda line: line.part == 'discount' and line._invoicecloud_discount_holds(paid_on))
        granted.discount_granted = True
        return granted

    def _invoicecloud_discount_ended_by(self, moment):
        """Whether a discount these lines ask for has ended by `moment` (UTC), in the company's day."""
        return any(
            line.part == 'discount'
            and line.discount_date
            and line.discount_date < line.transaction_id.company_id._invoicecloud_today(moment)
            for line in self
        )

    def _invoicecloud_discount_holds(self, paid_on):
        """Whether this line's discount holds for a payment made on `paid_on`. Odoo allows an
        early payment discount on terms of a single instalment: one payment-term line."""
        self.ensure_one()
        invoice = self.move_id
        if not (self.discount_date and paid_on <= self.discount_date):
            return False
        if not invoice._is_eligible_for_early_payment_discount(self.currency_id, paid_on):
            return False
        term_lines = invoice.line_ids.filtered(lambda aml: aml.display_type == 'payment_term')
        discount = abs(sum(term_lines.mapped('amount_currency')) - sum(term_lines.mapped('discount_amount_currency')))
        return (
            self.currency_id.compare_amounts(discount, self.discount_amount) == 0
            and self.currency_id.compare_amounts(self.amount + self.discount_amount, invoice.amount_residual) == 0
            and term_lines[:1].discount_date == self.discount_date
        )

    def _invoicecloud_tell_discount_refused(self, paid_on):
        """These lines asked for a discount that does not hold (paid after its date, or the
        invoice changed meanwhile), and the payment is booked: whoever handles an invoice left
        partly unpaid is told, to ask for the rest or to write it off."""
        for line in self.filtered(lambda line: line.move_id.payment_state == 'partial'):
            tx, invoice = line.transaction_id, line.move_id
            message = self.env._(
                "Payment %(ref)s paid %(amount)s %(currency)s, the amount with the early payment discount, on "
                "%(paid_on)s; the discount (until %(discount_date)s) does not hold: it was paid later, or the "
                "invoice changed meanwhile. %(left)s %(currency)s stays due: ask the customer for it, or write it off.",
                ref=tx.reference,
                amount=line.amount,
                currency=line.currency_id.name,
                paid_on=paid_on,
                discount_date=line.discount_date,
                left=invoice.amount_residual,
            )
            invoice.message_post(body=Markup('<p>%s</p>') % message, subtype_xmlid='mail.mt_note')
            summary = self.env._("Early payment discount not granted: %(ref)s", ref=tx.reference)
            invoice._invoicecloud_todo(summary, message)

    def _invoicecloud_discount_write_offs(self, payment_date):
        """The journal items of the granted discounts of these lines, as Odoo's payment wizard
        books an early payment discount (`_get_invoice_counterpart_amls_for_early_payment_discount`):
        the discount account, and the taxes when the discount reduces them."""
        if not self:
            return []
        company = self.transaction_id.company_id
        currency = self.currency_id[:1]
        aml_values = [
            {
                'aml': term_line,
                'amount_currency': -term_line.amount_residual_currency,
                'balance': term_line.currency_id._convert(
                    -term_line.amount_residual_currency, term_line.company_currency_id, date=payment_date
                ),
            }
            for term_line in self.move_id.line_ids.filtered(
                lambda aml: aml.display_type == 'payment_term' and not aml.reconciled
            )
        ]
        open_balance = currency._convert(
            sum(self.mapped('discount_amount')), company.currency_id, company, payment_date
        )
        by_kind = self.env['account.move']._get_invoice_counterpart_amls_for_early_payment_discount(
            aml_values, open_balance
        )
        # Each on the customer, as Odoo's own post-processing puts its discount line.
        partner = self.move_id.commercial_partner_id[:1]
        return [{**values, 'partner_id': partner.id} for kind_values in by_kind.values() for values in kind_values]

    def _invoicecloud_reconcile(self, payment):
        """Reconcile `payment` with each line's invoice, invoice by invoice: first those paid in
        full (a granted discount makes the rest of its invoice paid), then the instalments, then
        what pays less than its invoice's rest, so that each invoice gets its own part. Whatever
        Odoo cannot reconcile (an invoice paid meanwhile) stays on the payment: the customer's
        credit."""
        counterpart = payment.move_id.line_ids.filtered(lambda aml: aml.account_id == payment.destination_account_id)
        for line in self.sorted(lambda line: (line._invoicecloud_reconcile_rank(), line.id)):
            term_lines = line._invoicecloud_term_lines_to_pay().filtered(
                lambda aml: aml.account_id == payment.destination_account_id
            )
            if term_lines and not counterpart.reconciled:
                (counterpart + term_lines).reconcile()

    def _invoicecloud_reconcile_rank(self):
        self.ensure_one()
        if self.part == 'full' or self.discount_granted:
            return 0
        return 1 if self.part == 'instalment' else 2

    def _invoicecloud_term_lines_to_pay(self):
        """The invoice's open payment-term lines this line pays: the instalments it covers
        (overdue ones, or the next), all of them otherwise."""
        self.ensure_one()
        term_lines = self.move_id.line_ids.filtered(
            lambda aml: aml.display_type == 'payment_term' and not aml.reconciled
        )
        if self.part != 'instalment':
            return term_lines
        left = self.amount
        covered = self.env['account.move.line']
        for term_line in term_lines.sorted(lambda aml: (aml.date_maturity or aml.date, aml.id)):
            if self.currency_id.compare_amounts(left, 0) <= 0:
                break
            covered |= term_line
            left -= abs(term_line.amount_residual_currency)
        return covered
