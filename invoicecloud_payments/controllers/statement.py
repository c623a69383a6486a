from ..const import HISTORY_PREFIX, MAX_RECORD_ID, STATEMENT_FORMATS
from ..statement_csv import statement_csv
from .invoicecloud import InvoicecloudController, customer_route


class InvoicecloudStatementController(InvoicecloudController):
    """The customer's statement of account with one of the companies of their history, for a
    period they choose on the history page, as a PDF or CSV file."""

    # Not read-only: Odoo's report engine may write while it draws (its assets).
    @customer_route(f'{HISTORY_PREFIX}/<string:token>/statement.<string:file_format>', ['GET'])
    def invoicecloud_statement(self, token, file_format, date_from=None, date_to=None, company=None, **kwargs):
        partner_sudo = self._partner_from_token(token)
        company_sudo = partner_sudo and self._statement_company(partner_sudo, company)
        if not company_sudo or file_format not in STATEMENT_FORMATS:
            return self._not_found()
        partner_sudo = self._in_customer_lang(partner_sudo, partner_sudo)
        date_from, date_to = company_sudo._invoicecloud_statement_period(date_from, date_to)
        if file_format == 'pdf':
            content, filename = partner_sudo._invoicecloud_statement_pdf(company_sudo, date_from, date_to)
            return self._file_response(content, filename)
        statement = partner_sudo._invoicecloud_statement(company_sudo, date_from, date_to)
        content = statement_csv(partner_sudo.env, statement)
        filename = partner_sudo._invoicecloud_statement_filename(statement, 'csv')
        return self._file_response(content, filename, content_type='text/csv; charset=utf-8')

    @staticmethod
    def _statement_company(partner_sudo, company):
        """The company asked for, if the customer's history has its documents; by default the
        history's first."""
        companies_sudo = partner_sudo._invoicecloud_history_companies()
        if not company:
            return companies_sudo[:1]
        try:
            company_id = int(company)
        except ValueError:
            return companies_sudo.browse()
        return companies_sudo.filtered(lambda c: c.id == company_id) if 0 < company_id <= MAX_RECORD_ID else None
