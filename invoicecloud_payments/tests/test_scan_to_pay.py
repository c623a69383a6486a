import base64
import io
import re

from odoo import fields
from odoo.tests import tagged

from .common import InvoicecloudHttpCase

QR_SRC_RE = re.compile(r'^data:image/png;base64,(?P<png>.+)$')


def decode_qr(data_uri):
    """The text of the QR code in an image data URI, read as a banking app's camera reads it."""
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(QR_SRC_RE.match(data_uri)['png'])))
    # One QR code, whose text the reader may find more than once (from two of its finder
    # patterns): one text, or the test fails.
    [text] = {barcode.text for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    return text


@tagged('post_install', '-at_install')
class TestScanToPay(InvoicecloudHttpCase):
    """A bank transfer without any provider: the company's account, the structured reference
    Odoo computes, and the EPC QR code of Odoo's `account_qr_code_sepa`, on the invoice page and
    on the review page of several invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency('EUR')
        kbc = cls.env['res.bank'].create({'name': "KBC", 'bic': 'KREDBEBB'})
        cls.company_bank = cls.env['res.partner.bank'].create(
            {
                'acc_number': 'BE71 0961 2345 6769',
                'partner_id': cls.env.company.partner_id.id,
                'bank_id': kbc.id,
                'allow_out_payment': True,
            }
        )
        cls.env.company.qr_code = True  # Odoo's setting: QR codes on the invoices
        cls.company_data['default_journal_sale'].invoice_reference_model = 'euro'  # ISO RF references

    def _eur_invoice(self, price=1000.0, **values):
        return self._create_invoice_one_line(
            price_unit=price, partner_id=self.customer.id, currency_id=self.eur.id, post=True, **values
        )

    def _transfer(self, tree):
        block = tree.xpath("//*[@id='transfer']")
        if not block:
            return None
        [block] = block

        def text(css_class):
            nodes = block.xpath(f".//*[contains(concat(' ', @class, ' '), ' {css_class} ')]")
            return ' '.join(nodes[0].text_content().split()) if nodes else None

        qr = block.xpath(".//img[contains(@class, 'o_invoicecloud_qr')]")
        return {
            'account': text('o_invoicecloud_transfer_account'),
            'amount': text('o_invoicecloud_transfer_amount'),
            'reference': text('o_invoicecloud_transfer_reference'),
            'qr': qr[0].get('src') if qr else None,
            'refused': text('o_invoicecloud_qr_refused'),
        }

    def test_the_invoice_page_shows_the_qr_a_banking_app_reads(self):
        invoice = self._eur_invoice()
        self.assertTrue(invoice.payment_reference.startswith('RF'))
        transfer = self._transfer(self._page(self._path(invoice)))
        self.assertEqual(transfer['account'], 'BE71 0961 2345 6769')
        self.assertEqual(transfer['reference'], invoice.payment_reference)
        self.assertEqual(transfer['amount'], '1,000.00 €')
        fields_ = decode_qr(transfer['qr']).split('\n')
        self.assertEqual(
            fields_,
            [
                'BCD',  # service tag
                '002',  # version
                '1',  # character set: UTF-8
                'SCT',  # SEPA credit transfer
                'KREDBEBB',  # the beneficiary's BIC
                self.env.company.name,  # the beneficiary
                'BE71096123456769',  # the beneficiary's IBAN
                'EUR1000.0',  # the amount
                '',  # purpose
                invoice.payment_reference.replace(' ', ''),  # the structured reference (ISO 11649 RF)
                '',  # no unstructured remittance beside a structured one
                '',  # information to the payer
            ],
        )
        # Odoo's own QR code on the PDF: the same account, amount and reference.
        pdf_qr = self.company_bank._get_qr_vals(
            'sct_qr',
            invoice.amount_residual,
            self.eur,
            invoice.partner_id,
            invoice.payment_reference,
            invoice.payment_reference,
        )
        self.assertEqual(fields_, pdf_qr)

    def test_a_transfer_pays_the_whole_even_while_a_discount_holds(self):
        """Odoo books an early payment discount on a payment made online (here) or registered
        with the discount (its wizard); a bank statement line reconciled by hand pays what it
        pays. So the transfer asks for the whole, as the PDF's QR code does, and says so."""
        terms, _instalments = self._payment_terms()
        invoice = self._eur_invoice(invoice_payment_term_id=terms.id)
        tree = self._page(self._path(invoice))
        transfer = self._transfer(tree)
        self.assertEqual(decode_qr(transfer['qr']).split('\n')[7], 'EUR1000.0')
        self.assertTrue(tree.xpath("//*[contains(@class, 'o_invoicecloud_transfer_no_discount')]"))

    def test_several_invoices_in_one_transfer(self):
        first, second = self._eur_invoice(100.0), self._eur_invoice(250.5)
        query = f'invoice_ids={first.id}&invoice_ids={second.id}'
        transfer = self._transfer(self._page(f'{self._history_path(self.customer)}/pay?{query}'))
        references = transfer['reference'].split(' ')
        self.assertCountEqual(references, [move.payment_reference.replace(' ', '') for move in first + second])
        fields_ = decode_qr(transfer['qr']).split('\n')
        self.assertEqual(fields_[7], 'EUR350.5')
        self.assertEqual(
            (fields_[9], fields_[10]), ('', transfer['reference']), "two references: an unstructured remittance"
        )

    def test_several_references_are_never_one_structured_reference(self):
        """Two numeric references side by side can pass a check digit by chance (these two make
        a valid Scandinavian reference run together): they go as free text."""
        first, second = self._eur_invoice(10.0), self._eur_invoice(20.0)
        first.payment_reference, second.payment_reference = '202600018', '202600019'
        query = f'invoice_ids={first.id}&invoice_ids={second.id}'
        transfer = self._transfer(self._page(f'{self._history_path(self.customer)}/pay?{query}'))
        fields_ = decode_qr(transfer['qr']).split('\n')
        self.assertEqual(fields_[9], '')
        self.assertCountEqual(fields_[10].split(' '), ['202600018', '202600019'])

    def test_an_account_odoo_no_longer_trusts_is_not_shown(self):
        invoice = self._eur_invoice()
        self.company_bank.allow_out_payment = False
        self.assertIsNone(self._transfer(self._page(self._path(invoice))))
        self.company_bank.write({'allow_out_payment': True, 'active': False})
        self.assertIsNone(self._transfer(self._page(self._path(invoice))))

    def test_a_reference_list_stays_within_the_epc_remittance_field(self):
        invoices = self.env['account.move'].union(*(self._eur_invoice(1.0) for _i in range(12)))
        reference = invoices._invoicecloud_transfer_reference()
        self.assertLessEqual(len(reference), 140)
        self.assertRegex(reference, r' \+\d+$')
        shown = reference.rsplit(' +', 1)
        self.assertEqual(len(shown[0].split(' ')) + int(shown[1]), 12)

    def test_an_amount_above_the_epc_maximum_gets_no_qr(self):
        invoice = self._eur_invoice(1_000_000_000.0)
        transfer = self._transfer(self._page(self._path(invoice)))
        self.assertIsNone(transfer['qr'])
        self.assertIn('too large for a QR code', transfer['refused'])
        self.assertEqual(transfer['reference'], invoice.payment_reference)
        edge = self._eur_invoice(999_999_999.99)
        self.assertEqual(
            decode_qr(self._transfer(self._page(self._path(edge)))['qr']).split('\n')[7], 'EUR999999999.99'
        )

    def test_no_qr_where_odoo_prints_none(self):
        usd_invoice = self._create_invoice_one_line(price_unit=100.0, partner_id=self.customer.id, post=True)
        transfer = self._transfer(self._page(self._path(usd_invoice)))
        self.assertIsNone(transfer['qr'], "a SEPA transfer is in euros")
        self.assertEqual(transfer['account'], 'BE71 0961 2345 6769')
        self.env.company.qr_code = False
        transfer = self._transfer(self._page(self._path(self._eur_invoice())))
        self.assertIsNone(transfer['qr'], "the company does not print QR codes")
        self.company_bank.unlink()
        self.assertIsNone(self._transfer(self._page(self._path(self._eur_invoice()))), "no account: no transfer")

    def test_the_bank_statement_reconciled_the_page_shows_paid(self):
        invoice = self._eur_invoice()
        self.pay_with_statement_line(
            invoice, self.company_data['default_journal_bank'].id, fields.Date.today(), invoice.amount_total
        )
        self.assertEqual(invoice.payment_state, 'paid')
        tree = self._page(self._path(invoice))
        self.assertIn('text-bg-success', tree.xpath("//*[contains(@class, 'o_invoicecloud_status')]")[0].get('class'))
        self.assertIsNone(self._transfer(tree), "nothing left to transfer")
