"""A statement of account as a CSV file: one table a spreadsheet opens as it is (UTF-8 with a byte
order mark, comma-separated, ISO dates, amounts with a dot), then the ageing."""

import csv
import io

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): the
# document names and references come from the business's users, so they are written as text.
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def _text(value):
    value = value or ''
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def statement_kind_labels(env):
    return {
        'invoice': env._("Invoice"),
        'credit_note': env._("Credit note"),
        'payment': env._("Payment"),
        'other': env._("Other entry"),
    }


def statement_ageing_labels(env):
    return {
        'current': env._("Not yet due"),
        '1_30': env._("1-30 days overdue"),
        '31_60': env._("31-60 days overdue"),
        '61_90': env._("61-90 days overdue"),
        'over_90': env._("More than 90 days overdue"),
    }


def statement_csv(env, statement):
    """The bytes of the CSV file of `statement` (res.partner._invoicecloud_statement), its labels
    in the language of `env`."""
    digits = statement['currency'].decimal_places

    def amount(value, blank_zero=True):
        return '' if blank_zero and not value else f'{value:.{digits}f}'

    kinds = statement_kind_labels(env)
    out = io.StringIO()
    # Every cell quoted: a spreadsheet whose list separator is ';' would otherwise split a name
    # or reference at a ';' of its own, and a cell could start with '='.
    writer = csv.writer(out, lineterminator='\r\n', quoting=csv.QUOTE_ALL)
    writer.writerow(
        [
            env._("Date"),
            env._("Document"),
            env._("Type"),
            env._("Reference"),
            env._("Due date"),
            env._("Debit"),
            env._("Credit"),
            env._("Balance (%s)", statement['currency'].name),
        ]
    )
    opening = [statement['date_from'].isoformat(), '', env._("Opening balance"), '', '', '', '']
    writer.writerow([*opening, amount(statement['opening'], blank_zero=False)])
    for row in statement['rows']:
        writer.writerow(
            [
                row['date'].isoformat(),
                _text(row['name']),
                kinds[row['kind']],
                _text(row['reference']),
                row['due'].isoformat() if row['due'] else '',
                amount(row['debit']),
                amount(row['credit']),
                amount(row['balance'], blank_zero=False),
            ]
        )
    closing = [statement['date_to'].isoformat(), '', env._("Closing balance"), '', '']
    totals = [amount(statement['debit']), amount(statement['credit']), amount(statement['closing'], blank_zero=False)]
    writer.writerow([*closing, *totals])
    writer.writerow([])
    currency = statement['currency'].name
    writer.writerow([env._("Ageing on %s", statement['date_to'].isoformat()), env._("Amount (%s)", currency)])
    labels = statement_ageing_labels(env)
    for key, value in statement['ageing']:
        writer.writerow([labels[key], amount(value, blank_zero=False)])
    if statement['in_process']:
        writer.writerow([])
        writer.writerow([env._("Payments being processed, not in the balances above"), env._("Amount (%s)", currency)])
        for payment in statement['in_process']:
            writer.writerow([f"{payment['date'].isoformat()} {_text(payment['name'])}", amount(payment['amount'])])
    return ('\ufeff' + out.getvalue()).encode('utf-8')
