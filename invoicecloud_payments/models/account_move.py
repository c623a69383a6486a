from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import email_normalize, plaintext2html

from .. import utils
from ..const import (
    CHECKOUT_LIMITS,
    CHECKOUT_RATE_WINDOW_MINUTES,
    CUSTOMER_MOVE_TYPES,
    INVOICECLOUD_CODES,
    OPEN_PAYMENT_STATES,
    PAID_PAYMENT_STATES,
    PAY_TOO_MANY,
    REMARK_MAX_LENGTH,
    REMARK_RATE_LIMIT,
    REMARK_RATE_WINDOW_MINUTES,
    TOKEN_READER_GROUP,
    TX_IN_PROGRESS_STATES,
)
from ..gateways import ProviderError, ProviderUnavailable
from ..urls import page_path


class AccountMove(models.Model):
    _name = 'account.move'
    _inherit = ['account.move', 'invoicecloud.token.mixin']

    invoicecloud_token = fields.Char(string="Portal Payment Token")
    invoicecloud_url = fields.Char(
        string="Invoicecloud Link",
        compute='_compute_invoicecloud_url',
        groups=TOKEN_READER_GROUP,
        help="The page where the customer reads, questions and pays this invoice, without a login.",
    )

    invoicecloud_refundable_tx_id = fields.Many2one(
        comodel_name='payment.transaction',
        string="Online Payment to Refund",
        compute='_compute_invoicecloud_refundable_tx_id',
        groups=TOKEN_READER_GROUP,
        help="The online payment of the reversed invoice through which this credit note can be refunded.",
    )

    @api.depends('invoicecloud_token')
    def _compute_invoicecloud_url(self):
        for move in self:
            move.invoicecloud_url = move._invoicecloud_url()

    # --- tokens -----------------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        customer_docs = posted.filtered(lambda m: m.move_type in CUSTOMER_MOVE_TYPES)
        customer_docs._invoicecloud_ensure_tokens()
        return posted

    def write(self, vals):
        """A document given to another customer (while in draft) gets a new link: the old one,
        mailed to the first customer, must not open the new customer's page, history and receipts."""
        if 'partner_id' not in vals:
            return super().write(vals)
        customers = {move.id: move.commercial_partner_id for move in self}
        result = super().write(vals)
        moved = self.sudo().filtered(
            lambda move: move.invoicecloud_token and move.commercial_partner_id != customers[move.id]
        )
        if moved:
            self._invoicecloud_renew_tokens(moved.ids)
        return result

    def _invoicecloud_ensure_tokens(self):
        """Give a token to these documents and to their customers, where missing."""
        moves_sudo = self.sudo()
        self._invoicecloud_assign_tokens(moves_sudo.filtered(lambda m: not m.invoicecloud_token).ids)
        partners_sudo = moves_sudo.commercial_partner_id.filtered(lambda p: not p.invoicecloud_token)
        self.env['res.partner']._invoicecloud_assign_tokens(partners_sudo.ids)

    def _invoicecloud_url(self):
        self.ensure_one()
        token = self.sudo().invoicecloud_token
        return token and f"{self.get_base_url()}{page_path(token)}"

    # --- #LINK ------------------------------------------------------------------------------

    def _invoicecloud_expand_shortcode(self, text, html, lang=None):
        """Turn #LINK in `text` into this invoice's link, labelled in `lang` (by default, the
        customer's language)."""
        self.ensure_one()
        if not text or utils.SHORTCODE_RE.search(str(text)) is None:
            return text
        url = self._invoicecloud_url()
        if not url:  # a draft has no page yet: leave the text as the user wrote it
            return text
        if not html:
            return utils.expand_shortcode_text(text, url)
        lang = lang or self.partner_id.lang or self.env.lang
        label = self.with_context(lang=lang).env._("pay your invoice online")
        return utils.expand_shortcode_html(text, url, label)

    @api.model
    def _invoicecloud_is_sent_message(self, post_values):
        """Whether `message_post` values are a message sent to the followers ("Send message")."""
        if post_values.get('subtype_xmlid'):
            return post_values['subtype_xmlid'] == 'mail.mt_comment'
        return post_values.get('subtype_id') == self.env['ir.model.data']._xmlid_to_res_id('mail.mt_comment')

    @api.model
    def _invoicecloud_user_may_link(self):
        """Whether the current user may send this customer's link: an internal user who may read
        the token (the field's groups), never a portal or public user, whoever's rights the code
        runs with (portal chatter and customer remarks post as superuser), and never in a
        customer remark (`invoicecloud_no_shortcode`)."""
        user = self.env.user
        return (
            not self.env.context.get('invoicecloud_no_shortcode')
            and user._is_internal()
            and user.has_group(TOKEN_READER_GROUP)
        )

    def message_post(self, **kwargs):
        # The message keeps #LINK as written: what is stored is what the chatter shows, to anyone
        # who may read it (Odoo's own portal link of the invoice included). Only the emails of
        # this message become links (see _notify_by_email_render_layout), and only for a message
        # sent to the followers (Odoo's "Send message" subtype, never a log note, an activity's
        # feedback or a tracking message) by a user who may send the link. Anyone else's #LINK
        # (a portal user's message, a remark, a user without billing rights) stays as typed.
        if len(self) != 1 or self.move_type not in CUSTOMER_MOVE_TYPES:
            return super().message_post(**kwargs)
        if kwargs.get('body'):
            # A customer's reply quotes the email it answers, link included; a pasted link is
            # no better. Neither is stored: the chatter is read by more people than the customer.
            kwargs['body'] = utils.redact_links(kwargs['body'])
        may_link = self._invoicecloud_is_sent_message(kwargs) and self._invoicecloud_user_may_link()
        # An RPC client chooses its own context: the key is set here, or removed.
        move = self.with_context(invoicecloud_link_move_id=self.id if may_link else None)
        return super(AccountMove, move).message_post(**kwargs)

    @api.model
    def _invoicecloud_internal_addresses(self, emails):
        """Among raw email addresses (not partners), those of internal users."""
        normalized = [email for email in map(email_normalize, emails or []) if email]
        if not normalized:
            return []
        users = self.env['res.users'].sudo().search([('share', '=', False), ('email_normalized', 'in', normalized)])
        return users.mapped('email_normalized')

    def _notify_by_email_render_layout(self, message, recipients_group, msg_vals=False, render_values=None):
        """#LINK becomes the link in the emails of a message `message_post` allowed it for, to
        the customer's side only: a recipient who is an internal user gets #LINK as written (they
        have the invoice in Odoo; the link is the customer's key to the history). The user is
        checked again: an RPC client chooses its own context (`message_notify` included)."""
        body = super()._notify_by_email_render_layout(
            message, recipients_group, msg_vals=msg_vals, render_values=render_values
        )
        if (
            len(self) == 1
            and self.env.context.get('invoicecloud_link_move_id') == self.id
            and not any(recipient['type'] == 'user' for recipient in recipients_group['recipients_data'])
            and not self._invoicecloud_internal_addresses(recipients_group.get('recipients_emails'))
            and self._invoicecloud_user_may_link()
        ):
            # The label in the customer's language, as the template's text around it.
            body = self._invoicecloud_expand_shortcode(body, html=True)
        return body

    # --- what the customer sees -------------------------------------------------------------

    def _invoicecloud_status(self):
        """One of paid, open, overdue, partial, cancelled: the status shown to the customer."""
        self.ensure_one()
        if self.state == 'cancel':
            return 'cancelled'
        if self.payment_state in PAID_PAYMENT_STATES:
            return 'paid'
        if self.invoice_date_due and self.invoice_date_due < fields.Date.context_today(self):
            return 'overdue'
        if self.payment_state == 'partial':
            return 'partial'
        return 'open'

    def _invoicecloud_pdf(self):
        """Return (content, filename) of the invoice PDF: the one sent to the customer if any."""
        self.ensure_one()
        if self.invoice_pdf_report_id:
            return self.invoice_pdf_report_id.raw, self.invoice_pdf_report_id.name
        report = self.partner_id.invoice_template_pdf_report_id or self.env.ref('account.account_invoices')
        content, _report_type = (
            self.env['ir.actions.report']
            .with_company(self.company_id)
            ._render_qweb_pdf(
                report.report_name,
                self.ids,
            )
        )
        return content, self._get_invoice_report_filename(report=report)

    def _invoicecloud_page_offers_receipt(self, payment, token):
        """Whether the page of this document (opened with `token`) offers `payment`'s receipt: a
        receipt of its customer's, for this document or for a payment started from its page (in
        any state of the document, as its status page). Not the customer's others: those are the
        history's, and a draft may be on its way to another customer."""
        self.ensure_one()
        tx = payment.payment_transaction_id
        return payment._invoicecloud_is_receipt_of(self.commercial_partner_id) and (
            payment in self._invoicecloud_receipts()[self.id]
            or (tx.provider_code in INVOICECLOUD_CODES and tx._invoicecloud_page_token() == token)
        )

    def _invoicecloud_receipts(self):
        """The payments of these documents whose receipt their customer may download, oldest
        first, by document id (Odoo finds the payments of all of them in one query)."""
        return {
            move.id: move.reconciled_payment_ids.filtered(
                lambda payment, move=move: payment._invoicecloud_is_receipt_of(move.commercial_partner_id)
            ).sorted(lambda payment: (payment.date, payment.id))
            for move in self
        }

    # --- remarks ----------------------------------------------------------------------------

    def _invoicecloud_post_remark(self, remark):
        """Post the customer's remark in the chatter and ask the responsible to answer.

        :return: 'sent', or why it was not: 'empty', 'too_long', 'wait'.
        """
        self.ensure_one()
        remark = (remark or '').strip()
        if not remark:
            return 'empty'
        if len(remark) > REMARK_MAX_LENGTH:
            return 'too_long'
        self._invoicecloud_serialize()  # concurrent remarks are counted one after the other
        if not self._invoicecloud_customer_may_post():
            return 'wait'
        self._invoicecloud_post_as_customer(plaintext2html(remark))
        self.sudo()._invoicecloud_todo(self.env._("Answer the customer's remark"), plaintext2html(remark))
        return 'sent'

    def _invoicecloud_customer_may_post(self):
        """Whether the customer may write in this invoice's chatter now: a few messages (remarks,
        promises, disputes) per invoice in a few minutes. Callers serialize on the invoice."""
        self.ensure_one()
        since = fields.Datetime.now() - timedelta(minutes=REMARK_RATE_WINDOW_MINUTES)
        recent = (
            self.env['mail.message']
            .sudo()
            .search_count(
                [
                    ('model', '=', self._name),
                    ('res_id', '=', self.id),
                    ('author_id', '=', self.partner_id.id),
                    ('message_type', '=', 'comment'),
                    ('create_date', '>=', since),
                ],
                limit=REMARK_RATE_LIMIT,
            )
        )
        return recent < REMARK_RATE_LIMIT

    def _invoicecloud_serialize(self):
        """Make concurrent requests about these invoices (payments, remarks) run one after the
        other, each seeing what the previous one committed. An update, not only a lock (it
        changes nothing): a request that began before another one committed then gets a
        serialization failure, and Odoo retries it with a fresh view. A lock alone would let it
        go on, under Odoo's REPEATABLE READ, with what it saw when it began."""
        self.env.cr.execute(
            """
            UPDATE account_move SET write_date = write_date
             WHERE id IN (SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE)
            """,
            [tuple(self.ids)],
            log_exceptions=False,  # an expected serialization failure: Odoo retries the request
        )

    def _invoicecloud_todo(self, summary, note, deadline=None):
        """A to-do for whoever handles this invoice: its salesperson, else the company's
        Invoicecloud user (see the settings); due today, or by `deadline`. Returns it."""
        self.ensure_one()
        return self.activity_schedule(
            'mail.mail_activity_data_todo',
            date_deadline=deadline,
            summary=summary,
            note=note,
            user_id=(self.invoice_user_id or self.company_id._invoicecloud_remark_user()).id,
        )

    # --- payment ----------------------------------------------------------------------------

    def _invoicecloud_payable(self):
        """The documents among these that can be paid online: open customer invoices."""
        return self.filtered(
            lambda m: (
                m.move_type == 'out_invoice'
                and m.state == 'posted'
                and m.payment_state in OPEN_PAYMENT_STATES
                and m.currency_id.compare_amounts(m.amount_residual, 0) > 0
            )
        )

    def _invoicecloud_amount_due(self):
        """What paying these documents online in full costs now: for each payable one, what is
        left to pay, less an early payment discount that holds today. What the pages show by
        default; the checkout charges its plan (`invoicecloud.payment.line._invoicecloud_plan`)."""
        return sum(invoice._invoicecloud_terms()['due_now'] for invoice in self._invoicecloud_payable())

    def _invoicecloud_terms(self):
        """This invoice's payment terms as they stand today, as Odoo's own portal reads them
        (`_get_invoice_next_payment_values`):

        - remainder: what is left to pay;
        - due_now: what pays it in full today (less the early payment discount while it holds);
        - discount, discount_date: that discount, and the last day it holds (0, None: none);
        - instalment, instalment_date: what the next instalment asks (the overdue ones together,
          when some are overdue) and when it falls due; None when the terms have no instalment
          left short of the remainder;
        - overdue: whether instalments are overdue.
        """
        self.ensure_one()
        remainder = self.amount_residual
        terms = {
            'remainder': remainder,
            'due_now': remainder,
            'discount': 0.0,
            'discount_date': None,
            'instalment': None,
            'instalment_date': None,
            'overdue': False,
        }
        if self.state != 'posted' or self.move_type != 'out_invoice':
            return terms
        # The company's today, whoever asks (website takes the visitor's time zone from their address).
        values = self.with_context(tz=self.company_id._invoicecloud_tz())._get_invoice_next_payment_values()
        state = values.get('installment_state')
        if state == 'epd':
            terms.update(
                due_now=values['amount_due'],
                discount=values['epd_discount_amount_currency'],
                discount_date=fields.Date.to_date(values['discount_date']),
            )
        elif state in ('next', 'overdue'):
            terms['overdue'] = state == 'overdue'
            if self.currency_id.compare_amounts(values['next_amount_to_pay'], remainder) < 0:
                terms.update(instalment=values['next_amount_to_pay'], instalment_date=values['next_due_date'])
        return terms

    def _invoicecloud_proposed_parts(self, chosen=None):
        """What the pages propose to pay of each of these invoices, as {invoice id: part}: what
        is due now, the next instalment where the terms have one, unless the customer chose the
        whole (`chosen`: {invoice id: part}); the whole of the others (no entry)."""
        chosen = chosen or {}
        return {
            invoice.id: 'full' if chosen.get(invoice.id) == 'full' else 'instalment'
            for invoice in self
            if invoice._invoicecloud_terms()['instalment']
        }

    def _invoicecloud_proposed_plan(self, chosen=None):
        """The plan (`invoicecloud.payment.line._invoicecloud_plan`) of what the pages propose to
        pay of these invoices' payable ones (`_invoicecloud_proposed_parts`)."""
        payable = self._invoicecloud_payable()
        parts = payable._invoicecloud_proposed_parts(chosen)
        return self.env['invoicecloud.payment.line']._invoicecloud_plan(payable, parts) or []

    def _invoicecloud_schedule(self):
        """This invoice's instalments, when its terms have several: [{number, date, amount, left,
        state}], state one of paid, overdue, due. Empty for a single instalment."""
        self.ensure_one()
        if self.state != 'posted' or self.move_type != 'out_invoice':
            return []
        term_lines = self.line_ids.filtered(lambda line: line.display_type == 'payment_term')
        if len(term_lines) < 2:
            return []
        today = self.company_id._invoicecloud_today()
        schedule = []
        for installment in term_lines._get_installments_data(payment_date=today):
            line = installment['line']
            left = abs(line.amount_residual_currency)
            if installment['reconciled'] or self.currency_id.is_zero(left):
                state = 'paid'
            elif installment['date_maturity'] < today:
                state = 'overdue'
            else:
                state = 'due'
            schedule.append(
                {
                    'number': installment['number'],
                    'date': installment['date_maturity'],
                    'amount': abs(line.amount_currency),
                    'left': left,
                    'state': state,
                }
            )
        return schedule

    def _invoicecloud_custom_bounds(self):
        """(lowest, highest) amount of the customer's choice on this invoice, or None when the
        company does not let customers choose (its setting), or nothing is left to choose."""
        self.ensure_one()
        company = self.company_id
        terms = self._invoicecloud_terms()
        # While an early payment discount holds, any part of it would end it (Odoo grants it on a
        # payment of the whole only): the customer pays the whole, or an instalment.
        if not company.invoicecloud_custom_amount or terms['discount']:
            return None
        highest = terms['due_now']
        lowest = company.currency_id._convert(
            company.invoicecloud_custom_minimum, self.currency_id, company, company._invoicecloud_today()
        )
        lowest = max(lowest, self.currency_id.rounding)
        if self.currency_id.compare_amounts(lowest, highest) >= 0:
            return None
        return lowest, highest

    def _invoicecloud_transactions(self, states):
        """Our transactions on these invoices, in the given states."""
        return (
            self.env['payment.transaction']
            .sudo()
            .search(
                [
                    ('invoice_ids', 'in', self.ids),
                    ('provider_code', 'in', INVOICECLOUD_CODES),
                    ('state', 'in', states),
                ]
            )
        )

    def _invoicecloud_in_progress(self):
        """The invoices among these with a payment under way (pending or authorized) that a new
        attempt would not replace, or paid and about to be recorded in the accounts."""
        txs = self._invoicecloud_transactions((*TX_IN_PROGRESS_STATES, 'done'))
        under_way = txs.filtered(
            lambda tx: tx._invoicecloud_to_record() or (tx.state != 'done' and not tx._invoicecloud_replaceable())
        )
        return under_way.invoice_ids & self

    def _invoicecloud_awaited_transfers(self):
        """The bank transfers the provider still waits for on these invoices: a new attempt
        cancels them, and the customer is told so."""
        txs = self._invoicecloud_transactions(TX_IN_PROGRESS_STATES)
        return txs.filtered(lambda tx: tx._invoicecloud_replaceable())

    def _invoicecloud_pay_options(self, amount=None):
        """What the customer can pay these invoices with: [(provider, payment methods)]."""
        return self._invoicecloud_pay_choices(amount)[0]

    def _invoicecloud_pay_choices(self, amount=None, other_amounts=()):
        """(pay options, withheld methods) for the pay form, for `amount` (by default, what pays
        the invoices in full now) and the `other_amounts` the form also offers (the whole beside
        an instalment, the bounds of an amount of one's choice): a method is offered when its
        provider takes at least one of them; the payment is checked against the one chosen.

        Pay options: [(provider, payment methods)] the customer can choose. Withheld methods:
        [(payment method, reason)], offered by the business but refused by the provider for every
        amount, told to the customer beside the others (the reason for `amount`).
        """
        currency = self.currency_id[:1]
        amounts = [amount]
        for other in other_amounts:
            if amount is not None and all(currency.compare_amounts(other, seen) for seen in amounts):
                amounts.append(other)
        passes = [self._invoicecloud_method_choices(each) for each in amounts]
        taken, refused = {}, {}  # {provider: methods}, {method: the first reason}
        for provider, methods, refusals in (choice for choices in passes for choice in choices):
            taken.setdefault(provider, methods.browse())
            for method in methods:
                if refusals[method]:
                    refused.setdefault(method, refusals[method])
                else:
                    taken[provider] |= method
        options = [(provider, methods) for provider, methods in taken.items() if methods]
        offered = self.env['payment.method'].union(*(methods for _provider, methods in options))
        withheld = [(method, reason) for method, reason in refused.items() if method not in offered]
        return options, withheld

    def _invoicecloud_method_choices(self, amount=None):
        """[(provider, its methods for these invoices, {method: why the provider would refuse
        the amount})]: every enabled Invoicecloud provider of the company and currency."""
        invoices = self._invoicecloud_payable()
        if not invoices or len(invoices.currency_id) > 1 or len(invoices.company_id) > 1:
            return []
        if amount is None:
            amount = invoices._invoicecloud_amount_due()
        partner = invoices.commercial_partner_id[:1]
        providers = (
            self.env['payment.provider']
            .sudo()
            .with_context(invoicecloud_checkout=True)
            ._get_compatible_providers(invoices.company_id.id, partner.id, amount, currency_id=invoices.currency_id.id)
            .filtered(lambda p: p.code in INVOICECLOUD_CODES)
        )
        methods = (
            self.env['payment.method']
            .sudo()
            ._get_compatible_payment_methods(providers.ids, partner.id, currency_id=invoices.currency_id.id)
        )
        choices = []
        for provider in providers:
            provider_methods = provider._invoicecloud_own_methods(methods)
            refusals = {
                method: provider._invoicecloud_amount_refusal(method, amount, invoices.currency_id)
                for method in provider_methods
            }
            choices.append((provider, provider_methods, refusals))
        return choices

    def _invoicecloud_offered_amounts(self):
        """(proposed, others): the amounts this invoice's page offers to pay: what it proposes
        (the next instalment, else what is due), and the others (what is due, the bounds of an
        amount of one's choice). (None, ()) when nothing can be paid."""
        self.ensure_one()
        if not self._invoicecloud_payable():
            return None, ()
        proposed = sum(values['amount'] for values in self._invoicecloud_proposed_plan())
        return proposed, (self._invoicecloud_terms()['due_now'], *(self._invoicecloud_custom_bounds() or ()))

    def _invoicecloud_method_problem(self, provider, payment_method):
        """Why a method the customer chose cannot pay what they chose: 'method_amount' for a
        method an invoice's page offers for another of its amounts, 'method' for anything else
        (none, forged, disabled; a payment of several invoices is offered the methods of its
        total, on its review page)."""
        if len(self) == 1:
            options = self._invoicecloud_pay_choices(*self._invoicecloud_offered_amounts())[0]
            if any(p == provider and payment_method in methods for p, methods in options):
                return 'method_amount'
        return 'method'

    def _invoicecloud_payment_problem(self):
        """Why these invoices cannot be paid together now, as a code the page explains, or None."""
        if not self:
            return 'nothing'
        if len(self.currency_id) > 1 or len(self.company_id) > 1 or len(self.commercial_partner_id) > 1:
            return 'mixed'
        if self - self._invoicecloud_payable():
            return 'paid'
        # One payment is reconciled on one receivable account (a fiscal position may map another).
        if len(self.line_ids.filtered(lambda line: line.display_type == 'payment_term').account_id) > 1:
            return 'mixed'
        if self._invoicecloud_in_progress():
            return 'in_progress'
        return None

    def _invoicecloud_checkouts_exceeded(self, client_key):
        """Whether these invoices, or the client address `client_key`, started as many checkouts
        as allowed within the window."""
        since = fields.Datetime.now() - timedelta(minutes=CHECKOUT_RATE_WINDOW_MINUTES)
        recent = Domain('provider_code', 'in', INVOICECLOUD_CODES) & Domain('create_date', '>=', since)
        recent &= Domain('operation', '!=', 'refund')
        scopes = {'invoice': Domain('invoice_ids', 'in', self.ids)}  # serialized by `_invoicecloud_pay`'s update
        if client_key:
            self.env['invoicecloud.checkout.gate']._invoicecloud_pass(client_key)
            scopes['address'] = Domain('invoicecloud_client_key', '=', client_key)
        params = self.env['ir.config_parameter'].sudo()
        tx_model = self.env['payment.transaction'].sudo()
        for scope, domain in scopes.items():
            param, default = CHECKOUT_LIMITS[scope]
            limit = int(params.get_param(param, default))
            if tx_model.search_count(recent & domain, limit=limit) >= limit:
                return True
        return False

    def _invoicecloud_pay(
        self,
        provider,
        payment_method,
        from_history,
        client_key=None,
        replace_open=False,
        parts=None,
        custom_amount=None,
    ):
        """Start one payment of these invoices (sudo'd, found through the customer's token).

        The amount is computed here, from what is left to pay on each invoice and the part the
        customer chose of it (`parts`: {invoice id: 'full', 'instalment' or 'custom'}, full by
        default; `custom_amount` for 'custom'), with an early payment discount that holds today.
        Returns (checkout URL, None) or (None, problem code) when nothing could be started;
        nothing is charged in that case. `client_key` stands for the client's address, for the
        rate limit. `replace_open`: the customer was told that an earlier checkout is still open
        at the provider, which will not cancel it, and chose to pay another way anyway.

        Why the transaction is made here, not by Odoo's payment form (`/invoice/transaction`,
        `_get_processing_values`, `_get_specific_rendering_values`): that form takes its amount,
        its invoice ids and its provider from the browser and checks them against an access
        token that opens one document, where our pages pay several documents of the customer's
        history behind one secret link. Here the amount, the documents and the method choice
        come from the server, under the invoices' row lock, with the checkout limits, the end of
        earlier attempts, and the provider's amount rules checked first. Our providers are
        therefore never offered on Odoo's own form (`payment.provider._get_compatible_providers`),
        and a transaction forced onto them there is refused (`payment.transaction.create`).
        """
        if not self:
            return None, 'nothing'
        self._invoicecloud_serialize()  # two clicks on the same invoices: one after the other
        self.invalidate_recordset(['amount_residual', 'payment_state'])
        if self._invoicecloud_checkouts_exceeded(client_key):
            return None, PAY_TOO_MANY
        problem = self._invoicecloud_payment_problem()
        if problem:
            return None, problem
        plan = self.env['invoicecloud.payment.line']._invoicecloud_plan(self, parts, custom_amount)
        if plan is None:
            return None, 'amount'
        amount = sum(values['amount'] for values in plan)
        offered = {(p, m) for p, methods in self._invoicecloud_pay_options(amount) for m in methods}
        if (provider, payment_method) not in offered:
            return None, self._invoicecloud_method_problem(provider, payment_method)
        try:
            # A new attempt ends the previous one: a session the customer left open is expired,
            # an awaited bank transfer canceled, so at most one checkout per invoice can be paid.
            still_open = self.env['payment.transaction']
            for previous_tx in self._invoicecloud_transactions(('draft', *TX_IN_PROGRESS_STATES)):
                if previous_tx._invoicecloud_replaceable():
                    previous_tx._invoicecloud_cancel_checkout()
                    if previous_tx.state in TX_IN_PROGRESS_STATES:
                        return None, 'in_progress'  # The provider no longer lets it be canceled.
                    if previous_tx.state == 'draft' and previous_tx.provider_reference:
                        still_open |= previous_tx
            # Still payable at the provider (an open iDEAL payment cannot be canceled): the
            # customer is told before a second one is opened, and a third waits until one ends.
            if still_open and (not replace_open or len(still_open) > 1):
                return None, 'still_open'
        except ProviderError as error:
            return None, _problem_of(error)
        self.invalidate_recordset(['amount_residual', 'payment_state'])
        problem = self._invoicecloud_payment_problem()
        if problem:
            return None, problem
        # The rows locked, the earlier attempts ended: the plan as it stands now is charged.
        # An earlier attempt was paid meanwhile, the discount's day ended: the customer checks again.
        if self.env['invoicecloud.payment.line']._invoicecloud_plan(self, parts, custom_amount) != plan:
            return None, 'changed'
        tx_model = self.env['payment.transaction'].sudo().with_context(invoicecloud_checkout=True)
        tx = tx_model.create(
            {
                'provider_id': provider.id,
                'payment_method_id': payment_method.id,
                'reference': tx_model._compute_reference(
                    provider.code, prefix=tx_model._invoicecloud_reference_prefix(self)
                ),
                'amount': sum(values['amount'] for values in plan),
                'currency_id': self.currency_id.id,
                'partner_id': self.commercial_partner_id.id,
                'operation': 'online_redirect',
                'invoice_ids': [Command.set(self.ids)],
                'invoicecloud_from_history': from_history,
                'invoicecloud_client_key': client_key,
                'invoicecloud_line_ids': [Command.create(values) for values in plan],
            }
        )
        try:
            return tx._invoicecloud_open_checkout(), None
        except ProviderError as error:
            tx._set_error(str(error))
            tx._post_process()
            return None, _problem_of(error)

    # --- reset to draft, cancel: open checkouts end ------------------------------------------

    def button_draft(self):
        # Also how a posted invoice is cancelled: Odoo's button_cancel resets it to draft first.
        result = super().button_draft()
        self._invoicecloud_end_checkouts()
        return result

    def _invoicecloud_end_checkouts(self):
        """An invoice reset to draft or cancelled can no longer be paid online: its open checkouts
        end at the provider where the provider allows it (a Stripe session expires, a cancelable
        Mollie payment is canceled). A payment that cannot be stopped (an open iDEAL payment, a
        bank debit under way) may still arrive: it is then kept as the customer's credit (see
        `payment.transaction._invoicecloud_set_aside_unposted`), and the invoice says so now."""
        for tx in self._invoicecloud_transactions(('draft', *TX_IN_PROGRESS_STATES)):
            try:
                if tx._invoicecloud_replaceable():
                    tx._invoicecloud_cancel_checkout()
            except ProviderError as error:
                tx._invoicecloud_note_unstoppable(error)
                continue
            if tx.state in ('draft', *TX_IN_PROGRESS_STATES) and tx.provider_reference:
                tx._invoicecloud_note_unstoppable()

    # --- refund from a credit note ----------------------------------------------------------

    @api.depends('move_type', 'state', 'payment_state', 'reversed_entry_id')
    def _compute_invoicecloud_refundable_tx_id(self):
        for move in self:
            move.invoicecloud_refundable_tx_id = move._invoicecloud_refundable_transaction()

    def _invoicecloud_refundable_transaction(self):
        """For an open credit note not being refunded yet: the online payment of the invoice it
        reverses that can still give money back through its provider (the latest, if several)."""
        self.ensure_one()
        if not (
            self.move_type == 'out_refund'
            and self.state == 'posted'
            and self.payment_state in OPEN_PAYMENT_STATES
            and self.reversed_entry_id
            and not self._invoicecloud_transactions(('draft', *TX_IN_PROGRESS_STATES))
        ):
            return self.env['payment.transaction']
        txs = self.reversed_entry_id._invoicecloud_transactions(('done',)).filtered(
            lambda tx: (
                tx.operation != 'refund'
                and tx.currency_id == self.currency_id
                and tx.provider_id.support_refund == 'partial'
                and (tx.payment_method_id.primary_payment_method_id or tx.payment_method_id).support_refund == 'partial'
                and tx.currency_id.compare_amounts(tx._invoicecloud_refundable_amount(), 0) > 0
            )
        )
        return txs.sorted('id', reverse=True)[:1]

    def action_invoicecloud_refund(self):
        """Give this credit note's amount back to the customer through the provider they paid
        with (at most what is left of that payment). The credit note is paid when the provider
        has made the refund.

        Money leaves the business: first of all, the rights Odoo's own credit note and payment
        wizards need, and write access to this credit note (the method is callable over RPC)."""
        self.ensure_one()
        self._invoicecloud_check_may_move_money()
        tx = self._invoicecloud_refundable_transaction()
        if not tx:
            raise UserError(
                self.env._(
                    "This credit note cannot be refunded online: the invoice it reverses was not paid online, "
                    "or that payment has already been refunded."
                )
            )
        amount = min(self.amount_residual, tx._invoicecloud_refundable_amount())
        refund_tx = tx._invoicecloud_refund(amount, self)
        return refund_tx._build_action_feedback_notification()

    def _invoicecloud_check_may_move_money(self):
        """Raise AccessError unless the current user may pay or refund these documents: create
        Odoo's reversal and payment wizards, and write to the documents."""
        self.env['account.move.reversal'].check_access('create')
        self.env['account.payment.register'].check_access('create')
        self.check_access('write')


def _problem_of(error):
    """What the customer is told when the provider did not start the payment."""
    return 'unavailable' if isinstance(error, ProviderUnavailable) else 'refused'
