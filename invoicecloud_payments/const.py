"""Constants of the Invoicecloud pages: token shape, paging, remark limits, statuses."""

# Tokens: 32 random bytes from `secrets`, URL-safe base64 without padding -> 43 characters.
TOKEN_BYTES = 32
# Longer inputs are cut before hashing so a huge path costs the same as a real token.
TOKEN_MAX_INPUT = 128
# Rows written per UPDATE when tokens are given to existing records at install.
TOKEN_BACKFILL_BATCH = 5000

# The customer-facing routes. The access log redacts whatever follows these prefixes.
ROUTE_PREFIX = '/invoicecloud'
HISTORY_PREFIX = '/invoicecloud/history'

# Customer documents shown on the pages.
CUSTOMER_MOVE_TYPES = ('out_invoice', 'out_refund')

HISTORY_PAGE_SIZE = 50
HISTORY_FILTERS = ('open', 'paid', 'all')

REMARK_MAX_LENGTH = 2000
REMARK_RATE_LIMIT = 5
REMARK_RATE_WINDOW_MINUTES = 10

# Odoo `payment_state` -> what the customer reads. `in_payment` counts as paid for the customer:
# the money is with us, only the bank statement is missing.
PAID_PAYMENT_STATES = ('paid', 'in_payment', 'reversed')
OPEN_PAYMENT_STATES = ('not_paid', 'partial')

SHORTCODE = '#LINK'
