import time
from datetime import timedelta
from functools import partial
from urllib.parse import urlencode

import psycopg2.errors
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.payment.logging import get_payment_logger

from ..const import (
    CONFIRM_BACKOFF_FACTOR,
    CONFIRM_CALLS_PER_RUN,
    CONFIRM_CALLS_PER_SECOND,
    CONFIRM_FIRST_DELAY,
    CONFIRM_MAX_DELAY,
    CONFIRM_WINDOW_HOURS,
    INVOICECLOUD_CODES,
    REFERENCE_MAX_INVOICES,
    SENSITIVE_KEYS,
    STATUS_ASK_LATER,
    STATUS_ASK_SOON,
    STATUS_ASK_SOON_FOR,
)
from ..gateways import ProviderError, ProviderUnavailable
from ..urls import page_path

_logger = get_payment_logger(__name__, sensitive_keys=SENSITIVE_KEYS)


class PaymentTransaction(models.Model):
    _inherit = 'payment.transaction'

    invoicecloud_flag = fields.Selection(
        selection=[
            ('amount', "Amount differs from the provider's"),
            ('currency', "Currency differs from the provider's"),
        ],
        string="Needs Review",
        help="The provider reported a payment that does not match this transaction. It is never "
        "marked as paid automatically; an accountant decides.",
        readonly=True,
        copy=False,
        index='btree_not_null',
    )
    invoicecloud_from_history = fields.Boolean(
        string="Started from the History Page",
        help="The customer comes back to their history page rather than to the invoice.",
        readonly=True,
    )
    invoicecloud_checkout_url = fields.Char(string="Checkout URL", readonly=True, copy=False)
    invoicecloud_next_check = fields.Datetime(
        string="Next Check with the Provider",
        help="When the confirmation cron asks the provider again, if no webhook has told the outcome.",
        readonly=True,
        copy=False,
        index='btree_not_null',
    )
    invoicecloud_set_aside_invoice_ids = fields.Many2many(
        comodel_name='account.move',
        relation='invoicecloud_transaction_set_aside_rel',
        string="Invoices Set Aside",
        help="Invoices reset to draft or cancelled before this payment arrived: it was recorded as the "
        "customer's credit, not applied to them.",
        readonly=True,
        copy=False,
    )
    invoicecloud_status_asked_at = fields.Datetime(
        string="Last Asked for the Customer",
        help="When the customer's status page last asked the provider (it does so at most every few seconds).",
        readonly=True,
        copy=False,
    )
    invoicecloud_checkout_expires_at = fields.Datetime(
        string="Checkout Expires",
        help="When the provider's checkout stops taking the payment, as the provider reported it.",
        readonly=True,
        copy=False,
    )
    invoicecloud_client_key = fields.Char(
        string="Client Address Key",
        help="A keyed hash of the address the checkout was started from: counts attempts per address "
        "without keeping the address.",
        readonly=True,
        copy=False,
        index='btree_not_null',
        groups='base.group_system',
    )
    invoicecloud_refunded_amount = fields.Monetary(
        string="Refunded outside Odoo",
        help="Refunded in the provider's dashboard, as the provider reports it. Refunds started from "
        "Odoo are refund transactions of their own.",
        currency_field='currency_id',
        readonly=True,
        copy=False,
    )
    invoicecloud_refunded_from_odoo = fields.Monetary(
        string="Refunded from Odoo",
        help="Given back, or being given back, by refunds started from Odoo.",
        currency_field='currency_id',
        compute='_compute_invoicecloud_refunded_from_odoo',
        store=True,  # A new refund updates this row: a webhook confirming the payment meanwhile retries.
    )
    invoicecloud_dispute_ref = fields.Char(string="Dispute", readonly=True, copy=False)
    invoicecloud_line_ids = fields.One2many(
        comodel_name='invoicecloud.payment.line',
        inverse_name='transaction_id',
        string="What It Pays",
        help="What this payment pays on each invoice, and the early payment discounts it asks for.",
        readonly=True,
        copy=False,
    )
    invoicecloud_paid_at = fields.Datetime(
        string="Paid At",
        help="When the customer paid, as the provider tells it: an early payment discount holds for a payment "
        "made by its date.",
        readonly=True,
        copy=False,
    )

    @api.depends('child_transaction_ids.amount', 'child_transaction_ids.state', 'child_transaction_ids.operation')
    def _compute_invoicecloud_refunded_from_odoo(self):
        for tx in self:
            refund_txs = tx.child_transaction_ids.filtered(
                lambda child: child.operation == 'refund' and child.state not in ('error', 'cancel')
            )
            tx.invoicecloud_refunded_from_odoo = -sum(refund_txs.mapped('amount'))

    @api.model_create_multi
    def create(self, vals_list):
        """Ours are made by the Invoicecloud pages only (context `invoicecloud_checkout`, set by
        `account.move._invoicecloud_pay`) and, as refunds, from a payment of ours. Odoo's own
        routes (/invoice/transaction, /payment/transaction, any flow: redirect, direct, token)
        take any provider id with an amount from the browser: for ours they create nothing,
        so they can neither reach the provider nor use up the invoice's checkout limit.

        Ours start post-processed: nothing to do for a draft, and every later state change is
        post-processed by `_invoicecloud_confirm` under its lock, never by Odoo's cron."""
        txs = super().create(vals_list)
        ours = txs.filtered(lambda tx: tx.provider_code in INVOICECLOUD_CODES)
        if not self.env.context.get('invoicecloud_checkout') and ours.filtered(lambda tx: tx.operation != 'refund'):
            raise ValidationError(self.env._("This payment method is offered on Invoicecloud pages only."))
        ours.is_post_processed = True
        return txs

    @api.model
    def _invoicecloud_reference_prefix(self, invoices):
        names = invoices.mapped('name')
        if len(names) <= REFERENCE_MAX_INVOICES:
            return '-'.join(names)
        return f"{names[0]}+{len(names) - 1}"

    # === The customer's page and the return from the provider === #

    @api.model
    def _invoicecloud_from_page(self, reference, token):
        """The transaction `reference` if it was started from the page of `token` (else empty)."""
        if not _searchable(reference):
            return self.browse()
        tx = self.search([('reference', '=', reference), ('provider_code', 'in', INVOICECLOUD_CODES)], limit=1)
        return tx if tx and tx._invoicecloud_page_token() == token else self.browse()

    def _invoicecloud_page_token(self):
        """The token of the page the customer came from (current value: a reset revokes it), or
        None once its documents belong to another customer: their new links (`account.move.
        write`) must not open the first customer's payments."""
        self.ensure_one()
        customer = self.partner_id.commercial_partner_id
        if self.invoicecloud_from_history:
            return customer.invoicecloud_token
        document = self._invoicecloud_documents()[:1]
        return document.invoicecloud_token if document.commercial_partner_id == customer else None

    def _invoicecloud_documents(self):
        """The documents this transaction pays (or refunds), set aside ones included."""
        return self.invoice_ids | self.invoicecloud_set_aside_invoice_ids

    def _invoicecloud_status_url(self, **params):
        self.ensure_one()
        path = page_path(self._invoicecloud_page_token(), 'payment', history=self.invoicecloud_from_history)
        query = urlencode({'reference': self.reference, **params})
        return f'{self.get_base_url()}{path}?{query}'

    def _invoicecloud_customer_returns(self):
        """The customer is back from the provider, or their status page reloads: bring the
        transaction up to date from the provider's own word, read back. A GET changes nothing
        else: the customer's "cancel" at the provider cancels only what the provider canceled (a
        Mollie payment; a Stripe session stays open until it expires or a new attempt ends it).

        The provider is asked at most every STATUS_ASK_SOON while the payment is young, every
        STATUS_ASK_LATER after that, whatever the number of reloads or tabs. A paid transaction
        not yet in the accounts is recorded at once. If the provider cannot be asked, the page
        shows what is known; the cron asks again later. A final transaction (paid and recorded,
        failed, canceled) is never asked about from here: refunds are the webhooks' and the cron's."""
        self.ensure_one()
        if self._invoicecloud_to_record():
            self._post_process()  # paid: the customer sees it recorded, no provider call
            return
        if not self._invoicecloud_unfinished():
            return  # final: nothing the provider could still tell this page
        now = fields.Datetime.now()
        young = now - self.create_date < STATUS_ASK_SOON_FOR
        interval = STATUS_ASK_SOON if young else STATUS_ASK_LATER
        if self.invoicecloud_status_asked_at and now - self.invoicecloud_status_asked_at < interval:
            return
        self.invoicecloud_status_asked_at = now
        try:
            self._invoicecloud_confirm()
        except ProviderError as error:
            _logger.info("Could not ask the provider about %s: %s", self.reference, error)

    def _invoicecloud_customer_state(self):
        """What the status page says: paid, pending, failed, or not_completed (cancelled or left)."""
        self.ensure_one()
        if self.state == 'done':
            return 'paid'
        if self.state in ('pending', 'authorized'):
            return 'pending'
        if self.state == 'error':
            return 'failed'
        return 'not_completed'

    # === Payment framework hooks === #

    def _get_specific_rendering_values(self, processing_values):
        """Odoo's own payment form (sales orders, invoices in the portal, /payment/pay links,
        eCommerce) never offers our providers (`payment.provider._get_compatible_providers`), and
        a transaction forced onto them through Odoo's routes is refused here, before anything
        reaches the provider. Our customer pages open their checkouts themselves
        (`account.move._invoicecloud_pay`) and never come through here."""
        if self.provider_code not in INVOICECLOUD_CODES:
            return super()._get_specific_rendering_values(processing_values)
        # Unreachable through Odoo's routes (`create` refuses such transactions): a second wall.
        raise ValidationError(self.env._("This payment method is offered on Invoicecloud pages only."))

    def _validate_amount(self, payment_data):
        """Compare in the provider's minor units, as integers (`_extract_amount_data` of each
        provider gives them as `minor_units`): a single cent off is a mismatch. A mismatch flags
        the transaction for the accountant, for good (see `_apply_updates`)."""
        if self.provider_code not in INVOICECLOUD_CODES:
            return super()._validate_amount(payment_data)
        amount_data = self._extract_amount_data(payment_data)
        if amount_data is None:
            return  # the provider opts out, as the framework allows (none of ours does)
        reported_minor, reported_currency = amount_data.get('minor_units'), amount_data.get('currency_code')
        # A refund transaction's amount is negative in Odoo, positive at the provider.
        expected_minor = self._invoicecloud_minor_units(abs(self.amount))
        if reported_currency != self.currency_id.name:
            self._invoicecloud_set_flag('currency', reported_currency, reported_minor, expected_minor)
        elif reported_minor != expected_minor:
            self._invoicecloud_set_flag('amount', reported_currency, reported_minor, expected_minor)

    def _apply_updates(self, payment_data):
        """Each provider's file applies its statuses (its mapping in const.py). A transaction
        flagged for review reaches here untouched: stock `_set_done` accepts `error` as a source
        state, never for a flagged one."""
        if self.provider_code not in INVOICECLOUD_CODES:
            return super()._apply_updates(payment_data)

    # === What each provider's file gives (payment_transaction_stripe.py, _mollie.py) === #

    def _invoicecloud_minor_units(self, amount):
        """`amount` of this transaction's currency in the provider's minor units, an integer."""
        raise NotImplementedError(self.provider_code)

    def _invoicecloud_create_checkout(self):
        """Create the provider's hosted checkout for this transaction: its provider reference,
        its URL, and when it expires (naive UTC, or False when the provider does not say)."""
        raise NotImplementedError(self.provider_code)

    def _invoicecloud_read_back(self, signed_data=None):
        """Read the payment back from the provider and process it. `signed_data`: the payment
        as a verified event reported it, the provider's own word where it states a final
        outcome."""
        raise NotImplementedError(self.provider_code)

    def _invoicecloud_end_checkout(self):
        """End this unpaid checkout at the provider, where the provider allows it."""
        raise NotImplementedError(self.provider_code)

    def _invoicecloud_pending_replaceable(self):
        """Whether this pending payment may still be ended by a new attempt."""
        return False

    @api.model
    def _invoicecloud_confirm_window(self, now):
        """The unfinished transactions the cron still asks about: the recent ones, and what a
        provider keeps open longer."""
        return Domain('create_date', '>=', now - timedelta(hours=CONFIRM_WINDOW_HOURS))

    # === Confirmation: webhook, return page and cron, one function === #

    def _invoicecloud_lock(self, skip_locked=False):
        """Take the row lock: concurrent confirmations of one transaction run one after the other
        (the later one gets a serialization failure, Odoo retries it and it finds the work done).
        With `skip_locked`, a transaction another request is confirming right now is left to it:
        returns the transactions actually locked."""
        query = SQL(
            'SELECT id FROM payment_transaction WHERE id IN %s ORDER BY id FOR UPDATE%s',
            tuple(self.ids),
            SQL(' SKIP LOCKED') if skip_locked else SQL(),
        )
        # An expected serialization failure is not a "bad query" for the log: Odoo retries it.
        self.env.cr.execute(query, log_exceptions=False)
        locked = self.browse(row[0] for row in self.env.cr.fetchall())
        self.invalidate_recordset()
        return locked

    def _invoicecloud_unfinished(self):
        """Whether the provider may still move this transaction (and it is not held for review)."""
        self.ensure_one()
        return (
            self.state in ('draft', 'pending', 'authorized')
            and bool(self.provider_reference)
            and not self.invoicecloud_flag
        )

    def _invoicecloud_confirm(self, skip_locked=False, record_later=False, signed_data=None, locked=False):
        """Ask the provider where the payment stands and apply it. Idempotent; the only way a
        transaction of ours becomes done. Raises ProviderError when the provider cannot tell.

        With `record_later` (webhooks), a payment found paid is recorded in the accounts (payment
        posted and reconciled, most of the work) by Odoo's post-processing cron, triggered now and
        run by Odoo's cron runner, usually within seconds, at worst at its next poll (see
        `_invoicecloud_trigger_recording`): the provider gets its answer without waiting for the
        accounts. The invoice is not payable meanwhile (`_invoicecloud_in_progress`), and the
        customer's status page records it at once if the cron has not yet.

        `signed_data`: the payment as an event whose signature was verified reported it.
        `locked`: the caller found the transaction with its row lock (`_invoicecloud_find`)."""
        self.ensure_one()
        if not locked and not self._invoicecloud_lock(skip_locked=skip_locked):
            return
        self._invoicecloud_read_back(signed_data)
        if record_later and self._invoicecloud_to_record():
            self._invoicecloud_trigger_recording()
        else:
            self._post_process()

    @api.model
    def _invoicecloud_trigger_recording(self):
        """Have Odoo's post-processing cron record the payment: a trigger row for every webhook,
        as `ir.cron._trigger` makes (one INSERT, as Odoo's own rescheduling writes it), and a
        wake-up of the cron runner at most once a second per process and database, sent once
        the transaction has committed. The wake-up is a NOTIFY through a connection of its own
        and a commit: a burst of webhooks shares it. A trigger whose wake-up was skipped is no
        less due: a run that started before this transaction committed cannot see it, so does
        not clear it, and the runner picks it up when it next wakes (another wake-up, or its
        poll: about a minute, two with several databases in one process)."""
        cron_id = self.env['ir.model.data']._xmlid_to_res_id(
            'payment.cron_post_process_payment_tx', raise_if_not_found=True
        )
        # As `ir.cron._trigger_list`: no trigger for an inactive cron (no provider enabled).
        self.env.cr.execute(
            'INSERT INTO ir_cron_trigger (cron_id, call_at) SELECT id, %s FROM ir_cron WHERE id = %s AND active',
            [fields.Datetime.now(), cron_id],
        )
        dbname = self.env.cr.dbname
        if time.monotonic() - _CRON_WOKEN_AT.get(dbname, 0.0) >= CRON_WAKE_UP_INTERVAL:
            self.env.cr.postcommit.add(partial(_wake_cron_runner, self.env['ir.cron'], dbname))

    def _invoicecloud_to_record(self):
        """Whether this transaction is paid and its payment not yet in the accounts."""
        return self.state == 'done' and not self.is_post_processed and self.operation != 'refund'

    def _post_process(self):
        """Ours are post-processed under our row lock, whoever asks (our confirm function, Odoo's
        post-processing cron): one payment per transaction, and what lands on invoices paid
        meanwhile is reported. A transaction a concurrent request is post-processing gets a
        serialization failure: Odoo retries the request, its cron tries again later."""
        ours = self.filtered(lambda tx: tx.provider_code in INVOICECLOUD_CODES)
        result = super(PaymentTransaction, self - ours)._post_process()
        for tx in ours and ours._invoicecloud_lock():
            if tx.is_post_processed:
                continue
            set_aside = tx.state == 'done' and tx._invoicecloud_set_aside_unposted()
            super(PaymentTransaction, tx)._post_process()
            if tx.state == 'done' and tx.operation != 'refund' and not set_aside:
                tx._invoicecloud_report_unapplied()
            tx._invoicecloud_queue_receipt()
        return result

    def _create_payment(self, **extra_create_values):
        """One payment, as Odoo's own (`account_payment`), but booked as the customer chose on
        each invoice (`invoicecloud_line_ids`): an early payment discount is written off, as
        Odoo's payment wizard does, when the payment was made by its date, for every invoice of
        the payment (Odoo's own grants one, and only when the payment is confirmed in time), and
        each invoice gets its own part of the money (an instalment of one, the whole of another).
        A payment made after the date pays the discounted amount only: the rest stays due.

        Not `super()`: core adds its own discount line for a single invoice (twice the discount)
        and reconciles every invoice at once, in due-date order (an instalment of one invoice
        would pay another's). Core's other branches do not apply to ours: no saved token, no
        partial capture, and no draft invoice (`_invoicecloud_set_aside_unposted` has set them
        aside before)."""
        if self.provider_code not in INVOICECLOUD_CODES or self.operation == 'refund' or not self.invoicecloud_line_ids:
            return super()._create_payment(**extra_create_values)
        self.ensure_one()
        lines = self.invoicecloud_line_ids.filtered(lambda line: line.move_id in self.invoice_ids)
        paid_on = self.company_id._invoicecloud_today(self.invoicecloud_paid_at or fields.Datetime.now())
        granted = lines._invoicecloud_grant_discounts(paid_on)
        payment_date = self.company_id._invoicecloud_today()  # never the visitor's zone
        term_lines = self.invoice_ids.line_ids.filtered(lambda line: line.display_type == 'payment_term')
        method_line = self.provider_id.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )
        payment = self.env['account.payment'].create(
            {
                'amount': self.amount,
                'payment_type': 'inbound',
                'currency_id': self.currency_id.id,
                'partner_id': self.partner_id.commercial_partner_id.id,
                'partner_type': 'customer',
                'journal_id': self.provider_id.journal_id.id,
                'company_id': self.provider_id.company_id.id,
                'payment_method_line_id': method_line.id,
                'payment_transaction_id': self.id,
                'date': payment_date,
                'memo': f'{self.reference} - {self.provider_reference or ""}',
                'write_off_line_vals': granted._invoicecloud_discount_write_offs(payment_date),
                'invoice_ids': self.invoice_ids,
                **({'destination_account_id': term_lines[0].account_id.id} if term_lines else {}),
                **extra_create_values,
            }
        )
        payment.action_post()
        self.payment_id = payment
        lines._invoicecloud_reconcile(payment)
        (lines.filtered(lambda line: line.part == 'discount') - granted)._invoicecloud_tell_discount_refused(paid_on)
        return payment

    def _invoicecloud_set_aside_unposted(self):
        """A payment (or refund) that arrives for documents reset to draft or cancelled meanwhile
        never posts them: Odoo's post-processing would post a draft as it stands, half edited, as
        superuser. Such documents are set aside (`invoicecloud_set_aside_invoice_ids`, still the
        transaction's for its status page and later notices); the payment is recorded for the
        customer, unapplied (their credit, or money refunded against nothing), and each document
        gets a note and a to-do for the accountant. Returns whether any document was set aside."""
        unposted = self.invoice_ids.filtered(lambda invoice: invoice.state != 'posted')
        if not unposted:
            return False
        values = {'ref': self.reference, 'amount': abs(self.amount), 'currency': self.currency_id.name}
        if self.operation == 'refund':
            message = self.env._(
                "Refund %(ref)s of %(amount)s %(currency)s was made after this credit note was reset to draft or "
                "cancelled: it is recorded as a payment to the customer, not applied. Apply it when the credit "
                "note is posted again.",
                **values,
            )
            summary = self.env._("Unapplied refund %(ref)s", ref=self.reference)
        else:
            message = self.env._(
                "Payment %(ref)s of %(amount)s %(currency)s arrived after this invoice was reset to draft or "
                "cancelled: it is recorded as the customer's credit, not applied. Apply it when the invoice is "
                "posted again, or refund it.",
                **values,
            )
            summary = self.env._("Customer credit from payment %(ref)s", ref=self.reference)
        for invoice in unposted:
            invoice.message_post(body=Markup('<p>%s</p>') % message, subtype_xmlid='mail.mt_note')
            invoice._invoicecloud_todo(summary, message)
        self.write(
            {
                'invoice_ids': [Command.unlink(invoice.id) for invoice in unposted],
                'invoicecloud_set_aside_invoice_ids': [Command.link(invoice.id) for invoice in unposted],
            }
        )
        return True

    def _invoicecloud_report_unapplied(self):
        """A payment that lands on invoices paid meanwhile (another attempt, a payment recorded by
        hand) is never lost: what Odoo could not reconcile stays the customer's credit, and the
        accountant is told."""
        payment = self.payment_id
        lines = payment.move_id.line_ids.filtered(lambda line: line.account_id == payment.destination_account_id)
        unapplied = -sum(lines.mapped('amount_residual_currency'))
        if self.currency_id.compare_amounts(unapplied, 0) <= 0:
            return
        message = self.env._(
            "Payment %(ref)s of %(amount)s %(currency)s arrived for invoices that were already paid: %(unapplied)s "
            "%(currency)s is kept as the customer's credit. Use it on another invoice or refund it.",
            ref=self.reference,
            amount=self.amount,
            unapplied=unapplied,
            currency=self.currency_id.name,
        )
        self._invoicecloud_tell_accountant(
            self.env._("Customer credit from payment %(ref)s", ref=self.reference), message
        )

    def _invoicecloud_open_checkout(self):
        """Create the provider's hosted checkout (or give back the one created) and return its URL."""
        self.ensure_one()
        if not self.invoicecloud_checkout_url:
            reference, url, expires_at = self._invoicecloud_create_checkout()
            self.write(
                {
                    'provider_reference': reference,
                    'invoicecloud_checkout_url': url,
                    'invoicecloud_checkout_expires_at': expires_at,
                    'invoicecloud_next_check': fields.Datetime.now() + CONFIRM_FIRST_DELAY,
                }
            )
        return self.invoicecloud_checkout_url

    def _invoicecloud_replaceable(self):
        """Whether a new attempt may end this one: a checkout not paid yet, or a pending
        payment its provider lets us end (`_invoicecloud_pending_replaceable`)."""
        self.ensure_one()
        return self.operation != 'refund' and (
            self.state == 'draft' or (self.state == 'pending' and self._invoicecloud_pending_replaceable())
        )

    def _invoicecloud_cancel_checkout(self):
        """End an unpaid checkout so that it can no longer be paid (the customer cancelled, or a
        new attempt replaces it)."""
        self.ensure_one()
        self._invoicecloud_confirm()
        if not self._invoicecloud_replaceable() or not self.provider_reference:
            return
        self._invoicecloud_end_checkout()
        self._post_process()

    def _invoicecloud_note_unstoppable(self, error=None):
        """Tell the accountant, on the invoices, that this checkout could not be ended."""
        message = self.env._(
            "Payment %(ref)s at %(provider)s could not be stopped%(reason)s. If the customer completes it, the "
            "money is recorded as the customer's credit.",
            ref=self.reference,
            provider=self.provider_id.name,
            reason=f" ({error})" if error else '',
        )
        for invoice in self._invoicecloud_documents():
            invoice.message_post(body=Markup('<p>%s</p>') % message, subtype_xmlid='mail.mt_note')

    @api.model
    def _cron_invoicecloud_confirm(self):
        """Webhooks get lost: ask the providers about the unfinished transactions that are due.

        A transaction is asked again after a delay that grows with its age (`_invoicecloud_check_
        later`): a run's calls follow the recent checkouts, not the abandoned ones. A run asks each
        provider at most CONFIRM_CALLS_PER_RUN, the longest overdue first, paced below its rate
        limit, and leaves a provider alone for the rest of the run once it is busy or down.
        """
        now = fields.Datetime.now()
        window = self._invoicecloud_confirm_window(now)
        unfinished = Domain('state', 'in', ('draft', 'pending', 'authorized')) & Domain(
            'provider_reference', '!=', False
        )
        due = Domain('invoicecloud_next_check', '=', False) | Domain('invoicecloud_next_check', '<=', now)
        pending = window & unfinished & due
        providers = self.env['payment.provider'].search([('code', 'in', INVOICECLOUD_CODES)])
        batches = [
            self.search(
                pending & Domain('provider_id', '=', provider.id),
                order='invoicecloud_next_check ASC NULLS FIRST, id',
                limit=CONFIRM_CALLS_PER_RUN,
            )
            for provider in providers
        ]
        remaining = sum(map(len, batches))
        self.env['ir.cron']._commit_progress(remaining=remaining)
        for batch in batches:
            started = time.monotonic()
            for asked, tx in enumerate(batch):
                # Paced: the customers' own calls share the provider's rate limit.
                time.sleep(max(0.0, started + asked / CONFIRM_CALLS_PER_SECOND - time.monotonic()))
                busy = tx._invoicecloud_ask_provider() == 'busy'
                # A busy or down provider is left alone until the next scheduled run: what is
                # left of its batch no longer counts as remaining (Odoo would loop on it at once).
                remaining -= len(batch) - asked if busy else 1
                if not self.env['ir.cron']._commit_progress(1, remaining=remaining):
                    return  # out of time: Odoo runs the job again for what remains
                if busy:
                    break

    def _invoicecloud_ask_provider(self):
        """The cron's question about one transaction: claimed first (its next check moved on and
        committed, under its row lock), so that whatever happens next, it neither blocks the
        others nor comes back first at every run. Returns 'busy' when the provider is busy or
        down, else None. Never raises."""
        self.ensure_one()
        if not self._invoicecloud_lock(skip_locked=True):
            return None  # a webhook or the customer's return is confirming it right now
        self._invoicecloud_check_later()
        self.env['ir.cron']._commit_progress()
        try:
            self._invoicecloud_confirm(skip_locked=True)
        except ProviderUnavailable as error:
            self.env.cr.rollback()
            _logger.info("%s is busy or down, asked again at the next run: %s", self.provider_id.name, error)
            return 'busy'
        except ProviderError as error:
            self.env.cr.rollback()
            _logger.info("Could not confirm %s yet: %s", self.reference, error)
        except psycopg2.errors.SerializationFailure:
            self.env.cr.rollback()  # A webhook or the customer's return confirmed it meanwhile.
        except Exception:
            # Whatever else (the accounts refusing the payment, say): this one waits for its next
            # check, the others go on.
            self.env.cr.rollback()
            _logger.exception("Could not confirm %s", self.reference)
        return None

    def _invoicecloud_check_later(self):
        """When the cron asks about this transaction again, if it is still unfinished: after
        CONFIRM_FIRST_DELAY, then after a fraction of its age (a checkout abandoned for a day is
        asked about twice a day, not 144 times), at most CONFIRM_MAX_DELAY."""
        self.ensure_one()
        now = fields.Datetime.now()
        age = now - (self.create_date or now)
        delay = min(max(CONFIRM_FIRST_DELAY, age * CONFIRM_BACKOFF_FACTOR), CONFIRM_MAX_DELAY)
        self.invoicecloud_next_check = now + delay

    @api.model
    def _invoicecloud_find(self, provider, domain, lock=False):
        """The one transaction of this provider matching `domain` (ids sent by the provider).
        With `lock`, it is found and row-locked in one query (as `_invoicecloud_lock` does)."""
        if not all(_searchable(value) for _field, _op, value in domain):
            return self.browse()
        if not lock:
            return self.search([('provider_id', '=', provider.id), *domain], limit=1)
        query = self._search([('provider_id', '=', provider.id), *domain], limit=1)
        self.env.cr.execute(SQL('%s FOR UPDATE', query.select()), log_exceptions=False)
        return self.browse(row[0] for row in self.env.cr.fetchall())

    def _invoicecloud_numbers(self, max_length):
        """The invoice numbers, as many as fit in `max_length` characters, then how many more."""
        self.ensure_one()
        names = self.invoice_ids.mapped('name') or [self.reference]
        text = ', '.join(names)
        shown = len(names)
        customer_env = self.with_context(lang=self.partner_lang or self.env.lang).env
        while len(text) > max_length and shown > 1:
            shown -= 1
            text = customer_env._(
                "%(numbers)s and %(count)s more", numbers=', '.join(names[:shown]), count=len(names) - shown
            )
        return text[:max_length]

    # === Flags, refunds and disputes: recorded once, told to the accountant === #

    def _invoicecloud_set_flag(self, flag, reported_currency, reported_minor, expected_minor):
        self.ensure_one()
        if self.invoicecloud_flag:
            return
        message = self.env._(
            "The provider reported %(reported)s %(reported_currency)s (minor units) where %(expected)s "
            "%(currency)s was expected. The transaction is not marked as paid; please check it.",
            reported=reported_minor,
            reported_currency=reported_currency or '?',
            expected=expected_minor,
            currency=self.currency_id.name,
        )
        self.invoicecloud_flag = flag
        self._set_error(message, extra_allowed_states=('error',))
        self._invoicecloud_tell_accountant(self.env._("Payment %(ref)s needs review", ref=self.reference), message)

    def _invoicecloud_refundable_amount(self):
        self.ensure_one()
        refunded = self.invoicecloud_refunded_from_odoo + self.invoicecloud_refunded_amount
        return self.currency_id.round(max(self.amount - refunded, 0))

    def _invoicecloud_refund(self, amount, credit_notes):
        """Give `amount` back to the customer through the provider, for `credit_notes`: once the
        provider has made the refund, its outgoing payment is reconciled with them."""
        self.ensure_one()
        self._ensure_provider_is_not_disabled()
        self._invoicecloud_lock()  # Two clicks at once refund once: the second sees the first.
        if self.state != 'done' or self.operation == 'refund':
            raise UserError(self.env._("Only a completed payment can be refunded."))
        available = self._invoicecloud_refundable_amount()
        if self.currency_id.compare_amounts(amount, 0) <= 0 or self.currency_id.compare_amounts(amount, available) > 0:
            raise UserError(
                self.env._(
                    "The refund must be more than zero and at most %(available)s %(currency)s, what is left of "
                    "payment %(ref)s.",
                    available=available,
                    currency=self.currency_id.name,
                    ref=self.reference,
                )
            )
        refund_tx = self._create_child_transaction(amount, is_refund=True, invoice_ids=[Command.set(credit_notes.ids)])
        refund_tx._log_sent_message()
        try:
            refund_tx._send_refund_request()
        except ValidationError as error:
            refund_tx._set_error(str(error))
        return refund_tx

    def _invoicecloud_record_refund(self, refunded):
        """Record what the provider says was refunded in total (cumulative, so order and repeats
        do not matter), less what refunds started from Odoo gave back: those are accounted for by
        their own transactions. The invoice stays as it is until the accountant decides."""
        self.ensure_one()
        self._invoicecloud_lock()
        refunded = self.currency_id.round(refunded - self.invoicecloud_refunded_from_odoo)
        if self.currency_id.compare_amounts(refunded, self.invoicecloud_refunded_amount) <= 0:
            return
        self.invoicecloud_refunded_amount = refunded
        full = self.currency_id.compare_amounts(refunded, self.amount) >= 0
        message = self.env._(
            "%(provider)s reports %(amount)s %(currency)s refunded for payment %(ref)s%(full)s. The invoices "
            "stay paid in Odoo until you record the refund (credit note or outgoing payment).",
            provider=self.provider_id.name,
            amount=refunded,
            currency=self.currency_id.name,
            ref=self.reference,
            full=self.env._(" (the full amount)") if full else '',
        )
        self._invoicecloud_tell_accountant(
            self.env._("Refund at %(provider)s: %(ref)s", provider=self.provider_id.name, ref=self.reference), message
        )

    def _invoicecloud_record_dispute(self, dispute_id, reason):
        self.ensure_one()
        self._invoicecloud_lock()
        if self.invoicecloud_dispute_ref == dispute_id:
            return
        self.invoicecloud_dispute_ref = dispute_id
        message = self.env._(
            "The customer disputed payment %(ref)s at %(provider)s (reason: %(reason)s). Answer the dispute in "
            "the provider's dashboard.",
            provider=self.provider_id.name,
            ref=self.reference,
            reason=reason or '?',
        )
        self._invoicecloud_tell_accountant(
            self.env._("Dispute at %(provider)s: %(ref)s", provider=self.provider_id.name, ref=self.reference), message
        )

    def _invoicecloud_tell_accountant(self, summary, message):
        """A line in the invoices' chatter and a to-do for whoever handles each invoice."""
        self.ensure_one()
        body = Markup('<p>%s</p>') % message
        for invoice in self._invoicecloud_documents():
            invoice.message_post(body=body, subtype_xmlid='mail.mt_note')
            invoice._invoicecloud_todo(summary, message)


# When this process last woke Odoo's cron runner, per database (see
# `_invoicecloud_trigger_recording`): set once the NOTIFY is sent, after the commit.
_CRON_WOKEN_AT = {}
CRON_WAKE_UP_INTERVAL = 1.0  # seconds


def _wake_cron_runner(cron_model, dbname):
    _CRON_WOKEN_AT[dbname] = time.monotonic()
    cron_model._notifydb()


def _searchable(value):
    """Whether `value`, sent by a browser or a provider, can be looked up as a text: a non-empty
    string without NUL (PostgreSQL refuses NUL in text)."""
    return isinstance(value, str) and bool(value) and '\x00' not in value
