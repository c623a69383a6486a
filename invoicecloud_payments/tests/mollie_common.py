"""The Mollie provider of the addon in test mode, its gateway answering as Mollie would."""

from unittest.mock import patch

from odoo.addons.payment.tests.common import PaymentCommon

from ..gateways.mollie_gateway import MollieGateway


def created_mollie_payment(payload, key):
    """What Mollie answers to the creation of a payment."""
    return {'id': 'tr_unit', '_links': {'checkout': {'href': 'https://mollie.test/checkout/tr_unit'}}}


class InvoicecloudMollieMixin(PaymentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Our payments are recorded in the accounts (posted, reconciled), as in production.
        cls.enable_post_process_patcher = False

    @classmethod
    def _setup_mollie(cls):
        cls.mollie = cls.env.ref('invoicecloud_payments.payment_provider_mollie').sudo()
        cls.mollie.write(
            {
                'state': 'test',
                'is_published': True,
                'company_id': cls.env.company.id,
                'invoicecloud_mollie_api_key': 'test_unitunitunitunitunitunitunitunit',
                'journal_id': cls.company_data['default_journal_bank'].id,
            }
        )
        cls.ideal = cls.env.ref('payment.payment_method_ideal').sudo()
        cls.bank_transfer = cls.env.ref('payment.payment_method_bank_transfer').sudo()
        (cls.ideal + cls.bank_transfer).active = True

    @classmethod
    def _pay_through_mollie(cls, invoices, method, from_history=False, replace_open=False, **choices):
        """Start paying as the customer's page does, Mollie creating the payment; returns (checkout
        URL, problem, the mocked `create_payment`). `choices`: what the customer pays of each
        invoice (`parts`, `custom_amount`)."""
        with patch.object(MollieGateway, 'create_payment', side_effect=created_mollie_payment) as create:
            url, problem = invoices.sudo()._invoicecloud_pay(
                cls.mollie, method, from_history, replace_open=replace_open, **choices
            )
        return url, problem, create

    @staticmethod
    def _confirm_mollie(tx, payment):
        """Confirm the transaction as webhook, return page and cron do, Mollie reporting `payment`."""
        with patch.object(MollieGateway, 'get_payment', return_value=payment):
            tx._invoicecloud_confirm()

    @staticmethod
    def _mollie_payment(tx, **values):
        """A payment as Mollie returns it for this transaction."""
        return {
            'id': tx.provider_reference,
            'resource': 'payment',
            'amount': {'currency': tx.currency_id.name, 'value': f'{tx.amount:.2f}'},
            'metadata': {'reference': tx.reference},
            'status': 'paid',
            **values,
        }
