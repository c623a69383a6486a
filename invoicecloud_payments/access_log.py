"""Keep Invoicecloud tokens out of Odoo's HTTP access log.

werkzeug logs every request path; the path of an Invoicecloud page is its secret. The filter is
installed when the addon is imported, in every worker.
"""

import logging
import re

from .const import ROUTE_PREFIX


class RedactTokensFilter(logging.Filter):
    """Hide the token of Invoicecloud paths in the HTTP access log (werkzeug logs the path)."""

    _token_re = re.compile(re.escape(ROUTE_PREFIX) + r'/(?!webhook/|beacon/)(history/)?[^/\s?"]+')

    def filter(self, record):
        if isinstance(record.args, tuple) and any(ROUTE_PREFIX in str(arg) for arg in record.args):
            record.args = tuple(self._token_re.sub(self._redact, str(arg)) for arg in record.args)
        if ROUTE_PREFIX in str(record.msg):
            record.msg = self._token_re.sub(self._redact, str(record.msg))
        return True

    @staticmethod
    def _redact(match):
        return f"{ROUTE_PREFIX}/{match.group(1) or ''}<token>"


for _logger_name in ('werkzeug', 'odoo.http'):
    _access_logger = logging.getLogger(_logger_name)
    if not any(isinstance(f, RedactTokensFilter) for f in _access_logger.filters):
        _access_logger.addFilter(RedactTokensFilter())
