"""Issue 11: the customer pages in a database that runs `website` (and `sale`), as most do, and in
one that does not. setup/test runs this suite on both."""

import re

from odoo.tests import tagged

from .common import InvoicecloudHttpCase

SCRIPT_RE = re.compile(r'<script\b([^>]*)>(.*?)</script>', re.S)


@tagged('post_install', '-at_install')
class TestPagesWithWebsite(InvoicecloudHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._activate_languages('fr_FR')
        cls.has_website = 'website' in cls.env
        if cls.has_website:
            website = cls.env['website'].get_current_website()
            website.language_ids |= cls.env.ref('base.lang_fr')

    def _pages(self):
        return [self._path(self.invoice), self._history_path(self.customer), f'{self._history_path(self.customer)}/pay']

    def test_no_token_in_any_script_and_no_script_from_elsewhere(self):
        tokens = (self.invoice.invoicecloud_token, self.customer.invoicecloud_token)
        for path in self._pages():
            page = self.url_open(path).text
            scripts = SCRIPT_RE.findall(page)
            self.assertTrue(scripts, "Odoo's own frontend scripts load")
            for attributes, body in scripts:
                self.assertFalse([token for token in tokens if token in attributes + body], path)
                src = re.search(r'src="([^"]+)"', attributes)
                self.assertTrue(not src or src.group(1).startswith('/'), f"{path}: script from {src and src.group(1)}")

    def test_no_visitor_is_tracked(self):
        """With website, a tracked page records a website visitor: ours are not tracked."""
        visitors = self.env['website.visitor'].sudo().search_count([]) if self.has_website else 0
        for path in self._pages():
            self.assertEqual(self.url_open(path).status_code, 200, path)
        if self.has_website:
            self.assertEqual(self.env['website.visitor'].sudo().search_count([]), visitors)

    def test_language_prefix(self):
        """Odoo's frontend language prefix (/fr/..., from http_routing, with or without website)
        serves the page, in the customer's language as every link of theirs."""
        response = self.url_open(f'/fr{self._path(self.invoice)}')
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.invoice.name, response.text)
