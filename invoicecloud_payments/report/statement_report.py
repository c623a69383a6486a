from odoo import models
from odoo.exceptions import AccessError

from ..statement_csv import statement_ageing_labels, statement_kind_labels


class StatementReport(models.AbstractModel):
    """The values of the statement of account's PDF (invoicecloud_payments.report_statement):
    `data` names the company and the period, the documents are the customers."""

    _name = 'report.invoicecloud_payments.report_statement'
    _description = "Invoicecloud: Statement of Account"

    def _get_report_values(self, docids, data=None):
        """The statements read the ledger as superuser: drawn for a user (Odoo's /report routes),
        only by one who may read the accounts, for a company of theirs and a customer they may
        read. The customer pages draw it as superuser, for a company of the customer's history."""
        data = data or {}
        partners = self.env['res.partner'].browse(docids)
        company = self.env['res.company'].browse(data.get('company_id')).exists() or self.env.company
        if not self.env.su:
            user = self.env.user
            if not (
                user.has_group('account.group_account_invoice') or user.has_group('account.group_account_readonly')
            ):
                raise AccessError(self.env._("Only accounting users may print a statement of account."))
            if company not in self.env.companies:
                raise AccessError(self.env._("Only accounting users may print a statement of account."))
            partners.check_access('read')
        date_from, date_to = company._invoicecloud_statement_period(data.get('date_from'), data.get('date_to'))
        return {
            'doc_ids': docids,
            'doc_model': 'res.partner',
            'docs': partners,
            'company': company,
            'statements': {p.id: p._invoicecloud_statement(company, date_from, date_to) for p in partners},
            'kind_labels': statement_kind_labels(self.env),
            'ageing_labels': statement_ageing_labels(self.env),
        }
