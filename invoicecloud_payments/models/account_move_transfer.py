import base64
import threading

from odoo import api, models
from odoo.tools.image import image_data_uri

from odoo.addons.account.tools import is_valid_structured_reference, sanitize_structured_reference

from ..const import EPC_MAX_AMOUNT, EPC_QR_METHOD, EPC_REMITTANCE_MAX_LENGTH, QR_IMAGES_KEPT

# QR code images by barcode parameters, the least recently used first (`_invoicecloud_qr_image`).
_QR_IMAGES = {}
_QR_IMAGES_LOCK = threading.Lock()


class AccountMove(models.Model):
    """Paying by bank transfer, without any provider: the account, the reference, and the
    EPC (SEPA) QR code a banking app scans, built by Odoo's own `account_qr_code_sepa`."""

    _inherit = 'account.move'

    def _invoicecloud_transfer(self):
        """How to pay these invoices (sudo'd) by bank transfer, or None when they cannot be paid
        together now (`_invoicecloud_payment_problem`), a payment of them is under way, or they
        have no common account of their company that Odoo trusts to receive money:

        - bank: the company's account the invoices name (`partner_bank_id`, as on their PDF),
          active and trusted (`allow_out_payment`, as Odoo checks when it posts an invoice);
        - amount: what is left to pay on them, as Odoo's own QR code on the PDF asks (an early
          payment discount and instalments apply to payments made online, which book them);
        - reference: the invoice's payment reference (Odoo's structured one, Belgian +++…+++ or
          ISO RF, when the journal asks for one), the references of all when several;
        - qr: the EPC QR code as an image data URI, or None: the company does not print QR codes
          on its invoices (Odoo's setting), the account or the currency is not SEPA, or the
          amount is beyond what the EPC code carries (`qr_refusal`: 'too_large');
        - without_discount: an early payment discount holds for one of them, which a transfer
          does not get.
        """
        # Only for invoices payable together now, nothing under way (a payment, an awaited transfer).
        if self._invoicecloud_payment_problem() or self._invoicecloud_awaited_transfers():
            return None
        invoices = self
        bank = invoices.partner_bank_id
        company = invoices.company_id
        if not invoices or len(company) != 1 or len(bank) != 1 or len(invoices.currency_id) != 1:
            return None
        if not (bank.active and bank.allow_out_payment and bank.partner_id == company.partner_id):
            return None
        currency = invoices.currency_id
        amount = currency.round(sum(invoices.mapped('amount_residual')))
        reference = invoices._invoicecloud_transfer_reference()
        transfer = {
            'bank': bank,
            'reference': reference,
            'amount': amount,
            'qr': None,
            'qr_refusal': None,
            'without_discount': any(invoice._invoicecloud_terms()['discount'] for invoice in invoices),
        }
        if not company.qr_code or bank._get_error_messages_for_qr(EPC_QR_METHOD, invoices.partner_id[:1], currency):
            return transfer
        if currency.compare_amounts(amount, EPC_MAX_AMOUNT) > 0:
            transfer['qr_refusal'] = 'too_large'
            return transfer
        # One invoice's structured reference goes in the structured field; several references
        # side by side are free text (run together, they could pass a check digit by chance).
        structured = reference if len(invoices) == 1 and is_valid_structured_reference(reference) else None
        # Odoo's own code and checks (`build_qr_code_base64`), its image kept once drawn.
        qr_vals = bank._build_qr_code_vals(
            amount, reference, structured, currency, invoices.commercial_partner_id, EPC_QR_METHOD, silent_errors=True
        )
        if qr_vals:
            params = bank._get_qr_code_generation_params(**qr_vals)
            transfer['qr'] = self._invoicecloud_qr_image(tuple(sorted(params.items())))
        return transfer

    @api.model
    def _invoicecloud_qr_image(self, params):
        """The QR code image (a data URI) of barcode `params`, or None, drawn by Odoo's report
        engine as `res.partner.bank._get_qr_code_base64` draws it. Drawing takes longer than the
        rest of the page, and an invoice's code changes only with what it carries: the latest
        images are kept, in a cache of their own (images are large; Odoo's ORM caches hold
        access rules and views)."""
        with _QR_IMAGES_LOCK:
            image = _QR_IMAGES.pop(params, None)
        if image is None:
            try:
                barcode = self.env['ir.actions.report'].barcode(**dict(params))
            except (ValueError, AttributeError):  # as Odoo's own: no image, the page goes on
                return None
            image = image_data_uri(base64.b64encode(barcode))
        with _QR_IMAGES_LOCK:
            _QR_IMAGES[params] = image
            while len(_QR_IMAGES) > QR_IMAGES_KEPT:
                _QR_IMAGES.pop(next(iter(_QR_IMAGES)))
        return image

    def _invoicecloud_transfer_reference(self):
        """The reference a transfer paying these invoices carries: the invoice's payment
        reference, or the references of several invoices, as many as the EPC remittance field
        holds (140 characters), then how many others."""
        # One line of text (a line break would shift the QR code's fields), each reference once
        # (a reference per customer repeats on every invoice).
        references = list(dict.fromkeys(' '.join((m.payment_reference or m.name).split()) for m in self))
        if len(references) == 1:
            return references[0][:EPC_REMITTANCE_MAX_LENGTH]
        # Side by side, each in one piece: a structured reference without its spaces, as the
        # QR code carries it.
        references = [
            sanitize_structured_reference(reference) if is_valid_structured_reference(reference) else reference
            for reference in references
        ]
        text, count = ' '.join(references), len(references)
        while len(text) > EPC_REMITTANCE_MAX_LENGTH:
            references.pop()
            text = f"{' '.join(references)} +{count - len(references)}"
        return text
