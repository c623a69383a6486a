"""Issue 14, item 4: "viewed", by a person and not a scanner. Opening the link records nothing;
the page's beacon, sent by the browser that shows it, records the view with a signed ticket (not
the token), once in five minutes, and the first view ever is written in the chatter."""

import re
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.misc import hash_sign
from odoo.tools.safe_eval import safe_eval

from ..const import VIEW_TICKET_SCOPE
from .common import InvoicecloudHttpCase

BEACON = '/invoicecloud/beacon/view'
ODOO_CSRF_RE = re.compile(r'csrf_token: "([^"]+)"')


@tagged('post_install', '-at_install')
class TestViewed(InvoicecloudHttpCase):
    def _open_page(self):
        """The invoice page, as a browser gets it: (its ticket, the CSRF token the beacon sends,
        `odoo.csrf_token` of Odoo's layout script)."""
        page = self.url_open(self._path(self.invoice)).text
        [ticket] = etree.HTML(page).xpath("//div[contains(@class, 'o_invoicecloud_viewed')]/@data-ticket")
        return ticket, ODOO_CSRF_RE.search(page).group(1)

    def _beacon(self, ticket, csrf, site='same-origin'):
        return self.url_open(BEACON, data={'ticket': ticket, 'csrf_token': csrf}, headers={'Sec-Fetch-Site': site})

    def _viewed(self):
        self.env.invalidate_all()
        return self.invoice.invoicecloud_followup_ids.first_viewed_at

    def _view_notes(self):
        return self.invoice.message_ids.filtered(lambda m: 'Viewed by the customer' in str(m.body))

    def test_opening_the_link_records_nothing_the_beacon_does_once(self):
        ticket, csrf = self._open_page()
        self.assertNotIn(self.invoice.invoicecloud_token, ticket)
        self.assertFalse(self._viewed(), "a GET (a mail scanner's too) is no view")
        response = self._beacon(ticket, csrf)
        self.assertEqual(response.status_code, 204)
        self.assertTrue(self._viewed())
        self.assertEqual(self.invoice.invoicecloud_last_viewed, self.invoice.invoicecloud_followup_ids.last_viewed_at)
        self.assertEqual(len(self._view_notes()), 1)
        self.assertEqual(self._view_notes().author_id, self.invoice.partner_id)
        self._beacon(ticket, csrf)
        self.assertEqual(len(self._view_notes()), 1, "the first view only, in the chatter")

        arch = etree.fromstring(self.env['account.move'].get_views([(False, 'search')])['views']['search']['arch'])
        filters = {
            name: self.env['account.move'].search(safe_eval(arch.xpath(f"//filter[@name='{name}']")[0].get('domain')))
            for name in ('invoicecloud_viewed', 'invoicecloud_not_viewed')
        }
        self.assertIn(self.invoice, filters['invoicecloud_viewed'])
        self.assertNotIn(self.invoice, filters['invoicecloud_not_viewed'])

    def test_a_view_is_recorded_again_after_five_minutes(self):
        ticket, csrf = self._open_page()
        self._beacon(ticket, csrf)
        first = self.invoice.invoicecloud_followup_ids.last_viewed_at
        with freeze_time(fields.Datetime.now() + timedelta(minutes=6)):
            self._beacon(ticket, csrf)
        self.env.invalidate_all()
        self.assertGreater(self.invoice.invoicecloud_followup_ids.last_viewed_at, first)
        self.assertEqual(len(self._view_notes()), 1)

    def test_what_records_no_view(self):
        ticket, csrf = self._open_page()
        other = self._create_invoice(post=True, partner_id=self.contact.id)
        forged = hash_sign(self.env(su=True), 'another-scope', self.invoice.id)
        cases = {
            'cross-site': lambda: self._beacon(ticket, csrf, site='cross-site'),
            'no fetch metadata': lambda: self._beacon(ticket, csrf, site=''),
            'forged ticket': lambda: self._beacon(forged, csrf),
            'garbage ticket': lambda: self._beacon('not a ticket', csrf),
            'too long': lambda: self._beacon('A' * 500, csrf),
            'a draft': lambda: self._beacon(hash_sign(self.env(su=True), VIEW_TICKET_SCOPE, other.id), csrf),
        }
        other.button_draft()
        for name, send in cases.items():
            with self.subTest(name):
                self.assertEqual(send().status_code, 204, "the same answer, telling nothing")
        with freeze_time(fields.Datetime.now() + timedelta(hours=25)):
            self.assertEqual(self._beacon(ticket, csrf).status_code, 204, "an expired ticket")
        with mute_logger('odoo.http'):
            self.assertEqual(self.url_open(BEACON, data={'ticket': ticket}).status_code, 400, "no CSRF token")
        self.assertFalse(self._viewed())
        self.assertFalse(other.invoicecloud_followup_ids.first_viewed_at)

    def test_an_internal_user_checking_the_link_is_not_the_customer(self):
        self.authenticate('admin', 'admin')
        ticket, csrf = self._open_page()
        self.assertEqual(self._beacon(ticket, csrf).status_code, 204)
        self.assertFalse(self._viewed())
