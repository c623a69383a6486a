"""The Stripe provider of the addon in test mode, its gateway answering as Stripe would."""

from unittest.mock import patch

from odoo.addons.payment.tests.common import PaymentCommon

from ..gateways.stripe_gateway import StripeGateway

# Stripe's default lifetime of a Checkout Session (24 hours), as the Unix time it reports.
SESSION_EXPIRES_AT = 1_796_000_000


def created_stripe_session(params, key):
    """What Stripe answers to the creation of a Checkout Session."""
    return {
        'id': f"cs_{params['client_reference_id']}",
        'url': 'https://checkout.stripe.test/c/pay',
        'expires_at': SESSION_EXPIRES_AT,
    }


class InvoicecloudStripeMixin(PaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Our payments are recorded in the accounts (posted, reconciled), as in production.
        cls.enable_post_process_patcher = False

    @classmethod
    def _setup_stripe(cls):
        cls.provider = cls.env.ref('invoicecloud_payments.payment_provider_stripe').sudo()
        cls.provider.write(
            {
                'state': 'test',
                'is_published': True,
                'company_id': cls.env.company.id,
                'invoicecloud_stripe_secret_key': 'sk_test_unit',
                'invoicecloud_stripe_webhook_secret': 'whsec_unit',
                'journal_id': cls.company_data['default_journal_bank'].id,
            }
        )
        cls.card = cls.env.ref('payment.payment_method_card').sudo()

    @classmethod
    def _pay_through_stripe(cls, invoices, from_history=False, **choices):
        """Start paying by card as the customer's page does, Stripe creating the session; returns
        (checkout URL, problem, the mocked `create_checkout_session`). `choices`: what the customer
        pays of each invoice (`parts`, `custom_amount`)."""
        with patch.object(StripeGateway, 'create_checkout_session', side_effect=created_stripe_session) as create:
            url, problem = invoices.sudo()._invoicecloud_pay(cls.provider, cls.card, from_history, **choices)
        return url, problem, create

    @staticmethod
    def _confirm_stripe(tx, session):
        """Confirm the transaction as webhook, return page and cron do, Stripe reporting `session`."""
        with patch.object(StripeGateway, 'retrieve_checkout_session', return_value=session):
            tx._invoicecloud_confirm()

    @staticmethod
    def _stripe_session(tx, **values):
        """A Checkout Session as Stripe returns it for this transaction."""
        return {
            'id': tx.provider_reference,
            'object': 'checkout.session',
            'client_reference_id': tx.reference,
            'amount_total': round(tx.amount * 100),
            'currency': tx.currency_id.name.lower(),
            'status': 'complete',
            'payment_status': 'paid',
            'payment_intent': 'pi_unit',
            **values,
        }
