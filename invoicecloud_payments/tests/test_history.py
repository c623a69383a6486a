import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import InvoicecloudHttpCase

ROW_RE = re.compile(r'<tr class="o_invoicecloud_history_row">.*?</tr>', re.S)


@tagged('post_install', '-at_install')
class TestHistory(InvoicecloudHttpCase):
    def _rows(self, path):
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200, path)
        return ROW_RE.findall(response.text)

    def _bulk_invoices(self, count, **values):
        """Posted invoices dated one day apart, oldest first, created in one batch."""
        today = fields.Date.today()
        moves = self.env['account.move'].create(
            [
                {
                    'move_type': 'out_invoice',
                    'partner_id': self.customer.id,
                    'invoice_date': today - timedelta(days=count - i),
                    'invoice_line_ids': [
                        Command.create({'name': f'Line {i}', 'price_unit': 10.0 + i, 'tax_ids': False})
                    ],
                    **values,
                }
                for i in range(count)
            ]
        )
        moves.action_post()
        return moves

    def test_history_lists_every_document_of_the_customer_newest_first(self):
        old = self._create_invoice(post=True, invoice_date='2015-03-01', partner_id=self.customer.id)
        refund = self._create_invoice(move_type='out_refund', post=True, partner_id=self.contact.id)
        draft = self._create_invoice(partner_id=self.customer.id)
        cancelled_draft = self._create_invoice(partner_id=self.customer.id)
        cancelled_draft.button_cancel()
        cancelled_posted = self._create_invoice(post=True, partner_id=self.customer.id)
        cancelled_posted.button_cancel()
        foreign = self._create_invoice(post=True, partner_id=self.other_customer.id)
        bill = self._create_invoice(move_type='in_invoice', post=True, partner_id=self.customer.id)

        page = self.url_open(self._history_path(self.customer)).text
        for shown in (self.invoice, old, refund, cancelled_posted):
            self.assertIn(shown.name, page)
        for hidden in (foreign, bill):
            self.assertNotIn(f'>{hidden.name}<', page)
        self.assertNotIn(f'/invoicecloud/{foreign.invoicecloud_token}', page)
        self.assertEqual(len(self._rows(self._history_path(self.customer))), 4, "drafts never show")
        self.assertFalse(draft.invoicecloud_token)
        rows = self._rows(self._history_path(self.customer))
        self.assertIn(old.name, rows[-1], "oldest last, whatever its age")

    def test_history_is_paginated_by_fifty(self):
        moves = self._bulk_invoices(60)
        self.assertEqual(len(self._rows(self._history_path(self.customer))), 50)
        second = self._rows(f'{self._history_path(self.customer)}/page/2')
        self.assertEqual(len(second), 11)  # 60 + the invoice of the setup
        first_rows = self._rows(self._history_path(self.customer))[:2]
        self.assertIn(self.invoice.name, first_rows[0], "newest first: today's invoice")
        self.assertIn(moves[-1].name, first_rows[1], "then yesterday's")
        self.assertIn(moves[0].name, second[-1], "the oldest on the last page")

    def test_history_filters_open_and_paid(self):
        paid = self._create_invoice(post=True, partner_id=self.customer.id)
        self.env['account.payment.register'].with_context(
            active_model='account.move',
            active_ids=paid.ids,
        ).create({})._create_payments()
        open_rows = self._rows(f'{self._history_path(self.customer)}?state=open')
        paid_rows = self._rows(f'{self._history_path(self.customer)}?state=paid')
        self.assertEqual(len(open_rows), 1)
        self.assertIn(self.invoice.name, open_rows[0])
        self.assertEqual(len(paid_rows), 1)
        self.assertIn(paid.name, paid_rows[0])
        self.assertEqual(len(self._rows(f'{self._history_path(self.customer)}?state=bogus')), 2, "unknown filter: all")

    def test_history_totals_due_and_overdue(self):
        overdue = self._create_invoice_one_line(
            price_unit=100.0,
            tax_ids=[],
            post=True,
            partner_id=self.customer.id,
            invoice_date='2020-01-01',
            invoice_date_due='2020-01-31',
        )
        refund = self._create_invoice_one_line(
            price_unit=30.0,
            tax_ids=[],
            move_type='out_refund',
            post=True,
            partner_id=self.customer.id,
        )
        totals = self.customer._invoicecloud_totals()
        self.assertEqual(len(totals), 1)
        expected_due = self.invoice.amount_residual + overdue.amount_residual - refund.amount_residual
        self.assertAlmostEqual(totals[0]['due'], expected_due)
        self.assertAlmostEqual(totals[0]['overdue'], 100.0)
        self.assertIn('Overdue', self.url_open(self._history_path(self.customer)).text)

    def test_history_query_count_does_not_grow_with_history(self):
        self._bulk_invoices(5)
        counts = []
        for extra in (0, 100):
            if extra:
                self._bulk_invoices(extra)
            self.url_open(self._history_path(self.customer))  # warm caches (assets, views)
            before = self.env.cr.sql_log_count
            self.url_open(self._history_path(self.customer))
            counts.append(self.env.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], f"queries for 6 and 106 invoices: {counts}")

    def test_invoice_token_of_another_customer_never_lists_their_history(self):
        foreign = self._create_invoice(post=True, partner_id=self.other_customer.id)
        own_history = self.url_open(self._history_path(self.customer)).text
        self.assertNotIn(foreign.name, own_history)
        for guess in (f'/invoicecloud/history/{self.customer.id}', f'/invoicecloud/history/{foreign.id}'):
            self.assertEqual(self.url_open(guess).status_code, 404)

    def test_pay_review_shows_exactly_what_the_history_lists(self):
        """Issue 11, hole 3: the review page of a multi-invoice payment lists no other document of
        the customer: a vendor bill of theirs stays out of sight."""
        bill = self._create_invoice(
            move_type='in_invoice', post=True, partner_id=self.customer.id,
            invoice_line_ids=[Command.create({'name': 'Supply', 'price_unit': 777.77, 'tax_ids': False})],
        )  # fmt: skip
        path = f'{self._history_path(self.customer)}/pay'
        page = self.url_open(f'{path}?invoice_ids={bill.id}').text
        self.assertNotIn(bill.name, page)
        self.assertNotIn('777.77', page)
        page = self.url_open(f'{path}?invoice_ids={self.invoice.id}&invoice_ids={bill.id}').text
        self.assertIn(self.invoice.name, page)
        self.assertNotIn(bill.name, page)
