"""Issue 14, item 1: the customer's statement of account, from the history page, as PDF and CSV.

Its totals are those of Odoo's partner ledger (journal items, Posted and Receivable filters,
grouped by partner), to the cent: the test reads those filters from Odoo's own search view, so it
follows Odoo if Odoo changes them."""

import csv
import io
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.mail.tests.common import mail_new_test_user

from ..statement_csv import statement_csv
from .common import InvoicecloudHttpCase

TODAY = '2017-06-30'


def day(value):
    return fields.Date.to_date(value)


@tagged('post_install', '-at_install')
class TestStatement(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency('EUR')  # 3 EUR per USD in 2016, 2 in 2017
        # Before the period (the default: 2016-07-01 to 2017-06-30): 500 invoiced, 200 paid.
        cls.old = cls._invoice(500, '2016-03-01', '2016-03-31')
        cls._pay(cls.old, 200, '2016-04-15')
        # In the period: 100 EUR invoiced at 3 and paid at 2, with its exchange difference.
        cls.in_eur = cls._invoice(100, '2016-08-01', '2016-08-31', currency_id=cls.eur.id)
        cls._pay(cls.in_eur, 100, '2017-02-01', currency_id=cls.eur.id)
        # 1,000 invoiced, a credit note of 100 left open, 300 paid; and 200 not yet due.
        cls.big = cls._invoice(1000, '2017-01-10', '2017-02-09')
        cls.credit_note = cls._create_invoice(
            move_type='out_refund',
            partner_id=cls.contact.id,
            invoice_date=day('2017-01-20'),
            invoice_line_ids=[cls._prepare_invoice_line(price_unit=100)],
            post=True,
        )
        cls._pay(cls.big, 300, '2017-06-01')
        cls.recent = cls._invoice(200, '2017-06-20', '2017-07-20')

    @classmethod
    def _invoice(cls, amount, invoice_date, due, **values):
        return cls._create_invoice(
            partner_id=cls.contact.id,
            invoice_date=day(invoice_date),
            invoice_date_due=day(due),
            invoice_payment_term_id=False,
            invoice_line_ids=[cls._prepare_invoice_line(price_unit=amount)],
            post=True,
            **values,
        )

    @classmethod
    def _pay(cls, invoice, amount, date, **values):
        return cls._register_payment(invoice, amount=amount, payment_date=day(date), **values)

    def _ledger(self, company, date_from, date_to):
        """(opening, closing) from Odoo's partner ledger: its action's domain and its search
        view's Posted and Receivable filters, for this customer's group (it and its contacts)."""
        action = self.env.ref('account.action_account_moves_ledger_partner')
        arch = etree.fromstring(self.env.ref('account.view_account_move_line_filter').arch)
        domain = safe_eval(action.domain)
        for name in ('posted', 'trade_receivable'):
            [node] = arch.xpath(f"//filter[@name='{name}']")
            domain += safe_eval(node.get('domain'))
        domain += [('partner_id', 'child_of', self.customer.id), ('company_id', '=', company.id)]
        Line = self.env['account.move.line']

        def total(extra):
            return Line._read_group(domain + extra, aggregates=['balance:sum'])[0][0]

        return total([('date', '<', date_from)]), total([('date', '<=', date_to)])

    def _statement(self, date_from='2016-07-01', date_to=TODAY, partner=None):
        return (partner or self.customer)._invoicecloud_statement(self.env.company, day(date_from), day(date_to))

    # --- the figures --------------------------------------------------------------------------

    def test_totals_match_odoos_partner_ledger_to_the_cent(self):
        statement = self._statement()
        opening, closing = self._ledger(self.env.company, day('2016-07-01'), day(TODAY))
        self.assertEqual((statement['opening'], statement['closing']), (opening, closing))
        self.assertEqual((opening, closing), (300.0, 1100.0))
        self.assertAlmostEqual(statement['debit'] - statement['credit'], closing - opening, places=2)
        self.assertAlmostEqual(sum(amount for _key, amount in statement['ageing']), closing, places=2)
        kinds = [row['kind'] for row in statement['rows']]
        # By date: the EUR invoice, the invoice of 1,000, the credit note, the EUR invoice's
        # payment and exchange difference, the payment of 300, the recent invoice.
        self.assertEqual(kinds, ['invoice', 'invoice', 'credit_note', 'payment', 'other', 'payment', 'invoice'])
        self.assertEqual(
            [(row['debit'], row['credit']) for row in statement['rows']],
            [(33.33, 0.0), (1000.0, 0.0), (0.0, 100.0), (0.0, 50.0), (16.67, 0.0), (0.0, 300.0), (200.0, 0.0)],
        )
        self.assertEqual(statement['rows'][-1]['balance'], 1100.0)
        self.assertEqual(statement['rows'][0]['due'], day('2016-08-31'))

    def test_ageing_on_a_past_date_leaves_out_what_was_paid_later(self):
        statement = self._statement(date_to='2017-05-31')
        ageing = dict(statement['ageing'])
        # On 31 May the 300 of 1 June was not paid yet, and the recent invoice did not exist.
        self.assertEqual(ageing, {'current': 0.0, '1_30': 0.0, '31_60': 0.0, '61_90': 0.0, 'over_90': 1200.0})
        self.assertEqual(statement['closing'], 1200.0)
        self.assertEqual(self._ledger(self.env.company, day('2016-07-01'), day('2017-05-31'))[1], 1200.0)
        # On 31 December 2016, the EUR invoice of August (paid in full in February, so settled
        # today) was still open: the ageing reads it, though it is before the period.
        december = self._statement(date_from='2016-10-01', date_to='2016-12-31')
        self.assertEqual(december['closing'], 333.33)
        self.assertEqual(dict(december['ageing'])['over_90'], 333.33)
        today = dict(self._statement()['ageing'])
        self.assertEqual(today, {'current': 200.0, '1_30': 0.0, '31_60': 0.0, '61_90': 0.0, 'over_90': 900.0})

    def test_ageing_buckets_edges(self):
        customer = self.env['res.partner'].create({'name': "Edges", 'is_company': True})
        for days, amount in ((0, 1), (1, 2), (30, 4), (31, 8), (60, 16), (61, 32), (90, 64), (91, 128)):
            due = fields.Date.subtract(day(TODAY), days=days)
            self._create_invoice(
                partner_id=customer.id,
                invoice_date=fields.Date.subtract(due, days=5),
                invoice_date_due=due,
                invoice_payment_term_id=False,
                invoice_line_ids=[self._prepare_invoice_line(price_unit=amount)],
                post=True,
            )
        ageing = dict(self._statement(partner=customer)['ageing'])
        self.assertEqual(ageing, {'current': 1.0, '1_30': 6.0, '31_60': 24.0, '61_90': 96.0, 'over_90': 128.0})

    def test_a_payment_without_a_journal_entry_is_shown_apart(self):
        # Odoo 19 with Enterprise's accounting (here, its hook patched in): a payment method
        # without an outstanding account records the payment with no journal entry until the
        # bank statement; the invoice is "In Payment". Community always makes the entry.
        customer = self.env['res.partner'].create({'name': "Pays By Transfer", 'is_company': True})
        invoice = self._create_invoice(
            partner_id=customer.id,
            invoice_date=day('2017-06-01'),
            invoice_payment_term_id=False,
            invoice_line_ids=[self._prepare_invoice_line(price_unit=500)],
            post=True,
        )
        journals = self.env['account.journal'].search([('type', 'in', ('bank', 'cash', 'credit'))])
        journals.inbound_payment_method_line_ids.payment_account_id = False
        with patch.object(type(self.env['account.move']), '_get_invoice_in_payment_state', return_value='in_payment'):
            payment = self._register_payment(invoice, amount=200, payment_date=day('2017-06-10'))
        self.assertFalse(payment.move_id)
        statement = self._statement(partner=customer)
        self.assertEqual(statement['closing'], 500.0, "the ledger's balance: the payment is in no ledger yet")
        self.assertEqual(statement['in_process'], [{'date': day('2017-06-10'), 'name': payment.name, 'amount': 200.0}])
        rows = list(csv.reader(io.StringIO(statement_csv(self.env, statement).decode('utf-8-sig'))))
        self.assertEqual(rows[-1], [f'2017-06-10 {payment.name}', '200.00'])
        data = {'company_id': self.env.company.id, 'date_from': '2017-01-01', 'date_to': TODAY}
        with freeze_time(TODAY):
            html, _kind = self.env['ir.actions.report']._render_qweb_html(
                'invoicecloud_payments.action_report_statement', customer.ids, data
            )
        self.assertIn('Payments being processed', str(html))
        self.assertIn(payment.name, str(html))

    def test_queries_do_not_grow_with_the_documents(self):
        customer = self.env['res.partner'].create({'name': "Busy", 'is_company': True})

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._statement(partner=customer)
            return self.env.cr.sql_log_count - before

        def invoices(count):
            for n in range(count):
                self._create_invoice(
                    partner_id=customer.id,
                    invoice_date=fields.Date.subtract(day(TODAY), days=n),
                    invoice_line_ids=[self._prepare_invoice_line(price_unit=10 + n)],
                    post=True,
                )

        invoices(5)
        queries()  # the caches every request has warm (access rules, groups)
        few = queries()
        invoices(35)
        self.assertEqual(queries(), few, "the same queries for 40 documents as for 5")

    # --- the files ---------------------------------------------------------------------------

    @freeze_time(TODAY)
    def test_csv_in_french_escapes_formulas(self):
        self._activate_languages('fr_FR')
        self.customer.lang = 'fr_FR'
        self.big.ref = '=HYPERLINK("http://attacker.example","x")'
        response = self.url_open(f'{self._history_path(self.customer)}/statement.csv')
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers['Content-Type'], 'text/csv; charset=utf-8')
        self.assertEqual(response.headers['Cache-Control'], 'no-store')
        self.assertIn('2016-07-01%202017-06-30.csv', response.headers['Content-Disposition'])
        self.assertTrue(response.content.startswith('\ufeff'.encode()), "a byte order mark, for spreadsheets")
        rows = list(csv.reader(io.StringIO(response.content.decode('utf-8-sig'))))
        self.assertEqual(rows[0][:3], ['Date', 'Document', 'Type'])
        self.assertEqual(rows[1], ['2016-07-01', '', "Solde d'ouverture", '', '', '', '', '300.00'])
        invoice_row = next(row for row in rows if row[1] == self.big.name)
        self.assertEqual(invoice_row[2:], ['Facture', "'" + self.big.ref, '2017-02-09', '1000.00', '', '1333.33'])
        closing = next(row for row in rows if row[2] == 'Solde de clôture')
        self.assertEqual(closing[7], '1100.00')
        self.assertEqual(rows[-5:][-1], ['Plus de 90 jours de retard', '900.00'])

    @freeze_time(TODAY)
    def test_pdf_under_the_companys_letterhead_in_the_customers_language(self):
        self._activate_languages('fr_FR')
        self.customer.lang = 'fr_FR'
        self.env.company.name = "Imprimerie Dubois"
        response = self.url_open(f'{self._history_path(self.customer)}/statement.pdf?date_from=2017-01-01')
        self.assertEqual(response.status_code, 200)
        # Under test, Odoo's report engine draws HTML instead of calling wkhtmltopdf.
        page = response.text
        self.assertIn('Imprimerie Dubois', page)
        self.assertIn('Relevé de compte', page)
        self.assertIn(self.big.name, page)
        self.assertIn('01/01/2017', page)
        self.assertNotIn('01/08/2016', page, "the EUR invoice of 1 August 2016 is before the period")
        self.assertIn('Solde de clôture', page)
        self.assertIn('1 100,00', page.replace('\xa0', ' ').replace('\u202f', ' '))

    @freeze_time(TODAY)
    def test_the_history_page_offers_it_for_the_last_twelve_months(self):
        page = self._page(self._history_path(self.customer))
        [form] = page.xpath("//section[contains(@class, 'o_invoicecloud_statement_form')]//form")
        self.assertTrue(form.get('action').endswith('/statement.pdf'))
        self.assertEqual(form.xpath(".//input[@id='statement_date_from']/@value"), ['2016-07-01'])
        self.assertEqual(form.xpath(".//input[@id='statement_date_to']/@value"), [TODAY])
        self.assertFalse(form.xpath(".//select[@id='statement_company']"), "one company: nothing to choose")

    @freeze_time(TODAY)
    def test_the_period_is_kept_within_reason(self):
        company = self.env.company
        period = company._invoicecloud_statement_period
        self.assertEqual(period(), (day('2016-07-01'), day(TODAY)))
        self.assertEqual(period('2017-03-01', '2017-01-01'), (day('2017-01-01'), day('2017-01-01')), "backwards")
        self.assertEqual(period('2000-01-01', '2018-01-01'), (day('2014-07-01'), day(TODAY)), "36 months, by today")
        self.assertEqual(period('not a date', '2017-13-45'), (day('2016-07-01'), day(TODAY)))
        self.assertEqual(period('0001-01-01', '0001-01-01'), (day('1900-01-01'), day('1900-01-01')), "in the calendar")

    def test_odoos_report_route_draws_it_for_accounting_users_only(self):
        report = self.env['ir.actions.report']
        data = {'company_id': self.env.company.id, 'date_from': '2016-07-01', 'date_to': TODAY}
        html, _kind = report._render_qweb_html('invoicecloud_payments.action_report_statement', self.customer.ids, data)
        self.assertIn(self.big.name, str(html))
        employee = mail_new_test_user(self.env, login='ic_statement_employee', groups='base.group_user')
        with self.assertRaises(AccessError):
            report.with_user(employee)._render_qweb_html(
                'invoicecloud_payments.action_report_statement', self.customer.ids, data
            )
        other = self.setup_other_company(name="Not Mine")['company']
        with self.assertRaises(AccessError):
            report.with_user(self.env.user).with_context(allowed_company_ids=self.env.company.ids)._render_qweb_html(
                'invoicecloud_payments.action_report_statement', self.customer.ids, {**data, 'company_id': other.id}
            )

    @freeze_time(TODAY)
    def test_bad_links_get_the_plain_404(self):
        path = self._history_path(self.customer)
        other = self.setup_other_company(name="Not Theirs")['company']
        for url in (
            f'/invoicecloud/history/{"x" * 43}/statement.pdf',
            f'{path}/statement.xlsx',
            f'{path}/statement.csv?company={other.id}',
            f'{path}/statement.csv?company=99999999999',
            f'{path}/statement.csv?company=abc',
            f'{self._path(self.big)}/statement.csv',
        ):
            with self.subTest(url=url):
                self.assertEqual(self.url_open(url).status_code, 404)
