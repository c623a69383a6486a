from odoo.tests import TransactionCase, tagged

from ..const import WEBHOOK_MAX_BYTES

WEBHOOK_PREFIX = '/invoicecloud/webhook/'


@tagged('post_install', '-at_install')
class TestRoutes(TransactionCase):
    def test_every_post_route_but_the_two_webhooks_requires_csrf(self):
        rules = [
            rule
            for rule in self.env['ir.http'].routing_map().iter_rules()
            if rule.rule.startswith('/invoicecloud/') and 'POST' in (rule.endpoint.routing.get('methods') or ['POST'])
        ]
        webhooks = [rule.rule for rule in rules if rule.rule.startswith(WEBHOOK_PREFIX)]
        self.assertEqual(len(webhooks), 2, webhooks)
        self.assertGreaterEqual(len(rules), 5)
        for rule in rules:
            with self.subTest(route=rule.rule):
                expected = not rule.rule.startswith(WEBHOOK_PREFIX)
                self.assertEqual(rule.endpoint.routing.get('csrf', True), expected)
                self.assertEqual(rule.endpoint.routing['type'], 'http')

    def test_webhooks_refuse_big_bodies_before_odoo_reads_them(self):
        """Issue 11, hole 7: the limit is the route's own, applied as the body is read, not a
        check after Odoo has read a body up to its own, far larger limit."""
        webhooks = [
            rule for rule in self.env['ir.http'].routing_map().iter_rules() if rule.rule.startswith(WEBHOOK_PREFIX)
        ]
        self.assertEqual(len(webhooks), 2)
        for rule in webhooks:
            self.assertEqual(rule.endpoint.routing.get('max_content_length'), WEBHOOK_MAX_BYTES, rule.rule)

    def test_pages_that_only_read_are_read_only_and_nothing_else_is(self):
        """Issue 11: with a read replica (--db_replica_host), Odoo serves read-only routes from it.
        The pages that only read are; pay, remark, the status page (it asks the provider and
        records), the PDF (rendering an invoice report writes to the invoice) and the webhooks
        use the primary."""
        readonly = {
            rule.rule
            for rule in self.env['ir.http'].routing_map().iter_rules()
            if rule.rule.startswith('/invoicecloud/') and rule.endpoint.routing.get('readonly') is True
        }
        self.assertEqual(
            readonly,
            {
                '/invoicecloud/<string:token>',
                '/invoicecloud/history/<string:token>',
                '/invoicecloud/history/<string:token>/page/<int:page>',
                '/invoicecloud/history/<string:token>/pay',  # GET: the review
            },
        )
        for rule in self.env['ir.http'].routing_map().iter_rules():
            if rule.rule.startswith('/invoicecloud/') and rule.endpoint.routing.get('readonly') is True:
                self.assertEqual(rule.endpoint.routing['methods'], ['GET'], rule.rule)
