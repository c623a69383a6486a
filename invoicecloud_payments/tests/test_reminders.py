"""Issue 14, item 3: reminders in Community. A schedule per company (3 days before the due date,
7 and 21 after, by default); one email per customer and run, listing what they have to pay, with
#LINK as their history link; nothing twice; never about a paid, disputed, promised or blocked
invoice."""

from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from ..hooks import setup_reminders
from .common import InvoicecloudHttpCase

TODAY = fields.Date.to_date('2026-06-15')


@tagged('post_install', '-at_install')
class TestReminders(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.invoicecloud_reminders = True
        cls.company._invoicecloud_default_reminder_steps()
        cls.cron = cls.env.ref('invoicecloud_payments.cron_send_reminders')
        cls.invoice.button_draft()  # the shared invoice would be reminded too: not this one
        cls.invoice.button_cancel()

    def _customer(self, name, lang='en_US', email=True):
        customer = self.env['res.partner'].create(
            {'name': name, 'is_company': True, 'lang': lang, 'email': email and f'{name.lower()}@example.com'}
        )
        return customer

    def _invoice(self, customer, due_in_days, amount=100.0):
        return self._create_invoice(
            partner_id=customer.id,
            invoice_date=TODAY - timedelta(days=40),
            invoice_date_due=TODAY + timedelta(days=due_in_days),
            invoice_payment_term_id=False,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=amount)],
            post=True,
        )

    def _run(self, day=TODAY):
        with freeze_time(day):
            self.cron.method_direct_trigger()

    def _mails(self, customer=None):
        domain = [('model', '=', 'res.partner'), ('mail_message_id.subtype_id', '=', self.env.ref('mail.mt_note').id)]
        if customer:
            domain.append(('res_id', '=', customer.commercial_partner_id.id))
        return self.env['mail.mail'].search(domain)

    def test_one_email_per_customer_listing_what_is_due_with_the_history_link(self):
        customer = self._customer("Boulangerie")
        overdue_8 = self._invoice(customer, -8)  # the 7-day step
        overdue_25 = self._invoice(customer, -25)  # the 21-day step
        soon = self._invoice(customer, 3)  # 3 days before: the first step
        later = self._invoice(customer, 10)  # no step yet
        self._run()
        [mail] = self._mails(customer)
        self.assertEqual(mail.recipient_ids, customer)
        self.assertEqual(mail.state, 'outgoing', "queued: Odoo's mail queue sends it")
        body = str(mail.body_html)
        for invoice in (overdue_8, overdue_25, soon):
            self.assertIn(invoice.name, body)
        self.assertNotIn(later.name, body)
        history = f'/invoicecloud/history/{customer.invoicecloud_token}'
        self.assertIn(f'{history}">see and pay your invoices online</a>', body)
        stored = str(mail.mail_message_id.body)
        self.assertIn('#LINK', stored, "the chatter keeps #LINK as written")
        for token in (customer.invoicecloud_token, *(overdue_8 | overdue_25 | soon).mapped('invoicecloud_token')):
            self.assertNotIn(token, stored, "no link in the contact's chatter, read by more people")
        for invoice in (overdue_8, overdue_25, soon):
            self.assertIn('Reminder mailed to', str(invoice.message_ids[0].body))
        steps = [(i.invoicecloud_followup_ids.reminder_days) for i in (overdue_8, overdue_25, soon)]
        self.assertEqual(steps, [7, 21, -3])

        self._run()
        self._run(TODAY + timedelta(days=1))
        self.assertEqual(len(self._mails(customer)), 1, "nothing twice, whatever runs again")
        self._run(TODAY + timedelta(days=6))
        self.assertEqual(len(self._mails(customer)), 1, "no invoice reached a new step")
        # A week on, the invoice due in 10 days is 3 days from its due date: a second email.
        self._run(TODAY + timedelta(days=7))
        self.assertEqual(len(self._mails(customer)), 2)
        self.assertEqual(later.invoicecloud_followup_ids.reminder_days, -3)

    def test_what_is_never_reminded(self):
        cases = {}
        for case in ('paid', 'promised', 'promise_past', 'disputed', 'blocked', 'no_followup', 'not_yet'):
            customer = self._customer(case.title().replace('_', ''))
            cases[case] = (customer, self._invoice(customer, 10 if case == 'not_yet' else -8))
        self._register_payment(cases['paid'][1])
        with freeze_time(TODAY):
            cases['promised'][1]._invoicecloud_promise(TODAY + timedelta(days=5))
            cases['disputed'][1]._invoicecloud_dispute('other', "Not ours.")
        with freeze_time(TODAY - timedelta(days=10)):
            cases['promise_past'][1]._invoicecloud_promise(TODAY - timedelta(days=1))
        cases['blocked'][1].payment_state = 'blocked'
        cases['no_followup'][1].no_followup = True
        self._run()
        mailed = {case for case, (customer, _invoice) in cases.items() if self._mails(customer)}
        self.assertEqual(mailed, {'promise_past'}, "a promise whose date passed does not hold reminders")

    def test_no_one_else_gets_the_history_link_by_posting_link_with_a_crafted_context(self):
        customer = self._customer("Target")
        self._invoice(customer, -8)
        outsider = self.env['res.partner'].create({'name': "Outsider", 'email': 'outsider@example.com'})
        # What a client can send as context (Odoo's /mail/message/post copies it, then posts as
        # superuser): any JSON value under our key.
        for crafted in (
            {'invoicecloud_reminder': [None, customer.id]},
            {'invoicecloud_reminder_partner_id': customer.id},
        ):
            customer.sudo().with_context(mail_notify_force_send=False, **crafted).message_post(
                body='#LINK', partner_ids=outsider.ids, message_type='comment', subtype_xmlid='mail.mt_comment'
            )
        mails = self.env['mail.mail'].search([('recipient_ids', 'in', outsider.ids)])
        self.assertEqual(len(mails), 2)
        for mail in mails:
            self.assertNotIn(customer.invoicecloud_token, str(mail.body_html))

    def test_in_the_customers_language(self):
        self._activate_languages('fr_FR')
        customer = self._customer("Leroy", lang='fr_FR')
        self._invoice(customer, -8)
        self._run()
        [mail] = self._mails(customer)
        self.assertIn('un rappel concernant vos factures', mail.subject)
        self.assertIn('voir et payer vos factures en ligne', str(mail.body_html))

    def test_a_customer_without_email_gets_a_note_and_no_email(self):
        customer = self._customer("Silent", email=False)
        invoice = self._invoice(customer, -8)
        self._run()
        self.assertFalse(self._mails(customer))
        self.assertIn('no email address', str(invoice.message_ids[0].body))
        self._run()
        self.assertEqual(len(invoice.message_ids.filtered(lambda m: 'no email address' in str(m.body))), 1)

    def test_off_by_default_beside_enterprise_followups_and_for_a_backlog(self):
        with patch.object(type(self.env['res.company']), '_invoicecloud_enterprise_followups', return_value=True):
            company = self.env['res.company'].create({'name': "With Follow-ups"})
        self.assertFalse(company.invoicecloud_reminders)
        self.assertEqual(company.invoicecloud_reminder_step_ids.mapped('days'), [-3, 7, 21])
        fresh = self.env['res.company'].create({'name': "Fresh"})
        self.assertTrue(fresh.invoicecloud_reminders)
        # Installing (or upgrading to) the version with reminders: a company with open invoices
        # gets them off, not its backlog mailed.
        self._invoice(self._customer("Backlog"), -100)
        setup_reminders(self.env)
        self.assertFalse(self.company.invoicecloud_reminders)
        self.assertTrue(fresh.invoicecloud_reminders)

    def test_each_company_its_own_schedule(self):
        other = self.setup_other_company(name="Second Company")['company']
        other.invoicecloud_reminders = True
        other.invoicecloud_reminder_step_ids.filtered(lambda s: s.days != 7).unlink()
        other.invoicecloud_reminder_step_ids.days = 10
        customer = self._customer("Both")
        self._invoice(customer, -8)
        invoice_b = self._create_invoice(
            company_id=other.id,
            partner_id=customer.id,
            invoice_date=TODAY - timedelta(days=40),
            invoice_date_due=TODAY - timedelta(days=8),
            invoice_payment_term_id=False,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=50)],
            post=True,
        )
        self._run()
        [mail] = self._mails(customer)
        self.assertNotIn(invoice_b.name, str(mail.body_html), "8 days: the second company's first step is 10")
        self._run(TODAY + timedelta(days=2))
        self.assertEqual(len(self._mails(customer)), 2)
        self.assertIn("Second Company", self._mails(customer)[0].subject)
