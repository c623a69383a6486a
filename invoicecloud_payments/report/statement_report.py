from odoo import fields, models

from ..statement_csv import statement_ageing_labels, statement_kind_labels


class StatementReport(models.AbstractModel):
    """The values of the statement of account's PDF (invoicecloud_payments.report_statement):
    `data` names the company and the period, the documents are the customers."""

    _name = 'report.invoicecloud_payments.report_statement'
    _description = "Invoicecloud: Statement of Account"

    def _get_report_values(self, docids, data=None):
        data = data or {}
        company = self.env['res.company'].browse(data.get('company_id')).exists() or self.env.company
        date_to = fields.Date.to_date(data.get('date_to')) or company._invoicecloud_today()
        date_from = fields.Date.to_date(data.get('date_from')) or date_to.replace(day=1)
        partners = self.env['res.partner'].browse(docids)
        return {
            'doc_ids': docids,
            'doc_model': 'res.partner',
            'docs': partners,
            'company': company,
            'statements': {p.id: p._invoicecloud_statement(company, date_from, date_to) for p in partners},
            'kind_labels': statement_kind_labels(self.env),
            'ageing_labels': statement_ageing_labels(self.env),
        }
