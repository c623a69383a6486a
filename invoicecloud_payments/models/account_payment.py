from odoo import api, models
from odoo.tools.safe_eval import safe_eval, time

from ..const import INVOICECLOUD_CODES, RECEIPT_PAYMENT_STATES


class AccountPayment(models.Model):
    """The receipt of a customer's payment: the PDF of Odoo's own report (`account.report_payment_
    receipt`), mailed after an online payment and offered on the customer's pages."""

    _inherit = 'account.payment'

    @api.depends_context('lang')
    def _compute_payment_receipt_title(self):
        """Money given back through one of our providers gets a refund receipt (Odoo's report
        calls every payment's PDF a payment receipt). In the context's language: the receipt's
        file name is the customer's, whoever read the title before."""
        result = super()._compute_payment_receipt_title()
        for payment in self:
            tx = payment.payment_transaction_id
            if tx.operation == 'refund' and tx.provider_code in INVOICECLOUD_CODES:
                payment.payment_receipt_title = self.env._("Refund Receipt")
        return result

    def _invoicecloud_is_receipt_of(self, customer):
        """Whether this payment is one the customer (a commercial partner) may download the receipt
        of: a posted payment to or from them as a customer, never a vendor payment, a draft or a
        cancelled one. False for no payment."""
        return (
            len(self) == 1
            and self.partner_type == 'customer'
            and self.state in RECEIPT_PAYMENT_STATES
            and self.partner_id.commercial_partner_id == customer
        )

    def _invoicecloud_receipt_pdf(self):
        """Return (content, filename) of the receipt: Odoo's report, in the customer's language, and
        its file name in the context's."""
        self.ensure_one()
        report = self.env.ref('invoicecloud_payments.action_report_receipt')
        content, _report_type = (
            self.env['ir.actions.report'].with_company(self.company_id)._render_qweb_pdf(report, self.ids)
        )
        return content, f"{safe_eval(report.print_report_name, {'object': self, 'time': time})}.pdf"
