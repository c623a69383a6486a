from odoo import models

from odoo.addons.account.tools import is_valid_structured_reference, sanitize_structured_reference

from ..const import EPC_MAX_AMOUNT, EPC_QR_METHOD, EPC_REMITTANCE_MAX_LENGTH


class AccountMove(models.Model):
    """Paying by bank transfer, without any provider: the account, the reference, and the
    EPC (SEPA) QR code a banking app scans, built by Odoo's own `account_qr_code_sepa`."""

    _inherit = 'account.move'

    def _invoicecloud_transfer(self, amount):
        """How to pay `amount` for these invoices (sudo'd) by bank transfer, or None when they
        have no common bank account of the company to send it to:

        - bank: the company's account (`partner_bank_id`, as on the invoice's PDF);
        - reference: the invoice's payment reference (Odoo's structured one, Belgian +++…+++ or
          ISO RF, when the journal asks for one), the references of all when several;
        - qr: the EPC QR code as an image data URI, or None: the company does not print QR codes
          on its invoices (Odoo's setting), the account or the currency is not SEPA, or the
          amount is beyond what the EPC code carries (`qr_refusal` says which of the last).
        """
        invoices = self._invoicecloud_payable()
        bank = invoices.partner_bank_id
        if not invoices or len(bank) != 1 or len(invoices.currency_id) != 1:
            return None
        currency = invoices.currency_id
        amount = currency.round(amount)
        reference = invoices._invoicecloud_transfer_reference()
        transfer = {'bank': bank, 'reference': reference, 'amount': amount, 'qr': None, 'qr_refusal': None}
        if not invoices.company_id.qr_code:
            return transfer
        if currency.compare_amounts(amount, EPC_MAX_AMOUNT) > 0:
            transfer['qr_refusal'] = 'too_large'
            return transfer
        structured = reference if is_valid_structured_reference(reference) else None
        transfer['qr'] = bank.build_qr_code_base64(
            amount, reference, structured, currency, invoices.commercial_partner_id, EPC_QR_METHOD, silent_errors=True
        )
        return transfer

    def _invoicecloud_transfer_reference(self):
        """The reference a transfer paying these invoices carries: the invoice's payment
        reference, or the references of several invoices, as many as the EPC remittance field
        holds (140 characters), then how many others."""
        references = [invoice.payment_reference or invoice.name for invoice in self]
        if len(references) == 1:
            return references[0]
        # Side by side, each in one piece: a structured reference without its spaces, as the
        # QR code carries it.
        references = [
            sanitize_structured_reference(reference) if is_valid_structured_reference(reference) else reference
            for reference in references
        ]
        text = ' '.join(references)
        while len(text) > EPC_REMITTANCE_MAX_LENGTH:
            references.pop()
            text = f"{' '.join(references)} +{len(self) - len(references)}"
        return text
