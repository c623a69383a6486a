"""Constants of the Invoicecloud pages: token shape, paging, remark limits, statuses."""

from datetime import date, timedelta

# Tokens: 32 random bytes from `secrets`, URL-safe base64 without padding -> 43 characters.
TOKEN_BYTES = 32
# Longer inputs are cut before hashing so a huge path costs the same as a real token.
TOKEN_MAX_INPUT = 128
# Rows written per UPDATE when tokens are given to existing records at install.
TOKEN_BACKFILL_BATCH = 5000
# Who may read the tokens and links (the fields' groups), put #LINK in mail, and refund online:
# Odoo's billing users, the rights its own credit note and payment wizards need.
TOKEN_READER_GROUP = 'account.group_account_invoice'  # noqa: S105 (a group, not a secret)

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
# Payments whose receipt the customer may download: posted (Odoo 19: in process until the bank
# statement shows them, then paid), never draft, cancelled or rejected ones.
RECEIPT_PAYMENT_STATES = ('in_process', 'paid')
# Receipts mailed per run of the receipts cron before it commits and goes on.
RECEIPTS_PER_RUN = 50

SHORTCODE = '#LINK'

# What became of a remark, told on the invoice page (`?remark=`).
REMARK_RESULTS = ('sent', 'empty', 'too_long', 'wait')
# Why a payment could not start, told on the page it came from (`?payment=`, the `pay_problem`
# template). Too many attempts is no such problem: it gets a page of its own (429).
PAY_PROBLEMS = (
    'nothing',
    'mixed',
    'paid',
    'in_progress',
    'still_open',
    'method',
    'method_amount',
    'amount',
    'changed',
    'unavailable',
    'refused',
)
PAY_TOO_MANY = 'too_many'

# What a payment pays on one invoice (`invoicecloud.payment.line`). The customer chooses among
# full, instalment and custom (`PAY_PART_CHOICES`); full becomes discount while an early payment
# discount holds.
PAY_PART_LABELS = [
    ('full', "Whole amount"),
    ('discount', "Whole amount, early payment discount"),
    ('instalment', "Instalment"),
    ('custom', "Amount of the customer's choice"),
]
PAY_PART_CHOICES = ('full', 'instalment', 'custom')
# Scan to pay: the EPC QR code of a SEPA credit transfer (EPC069-12, "Quick Response Code:
# Guidelines to Enable Data Capture for the Initiation of a SEPA Credit Transfer"): an amount from
# EUR 0.01 to EUR 999999999.99, an unstructured remittance of at most 140 characters. Odoo's
# `account_qr_code_sepa` builds it ('sct_qr').
EPC_QR_METHOD = 'sct_qr'
EPC_MAX_AMOUNT = 999_999_999.99
EPC_REMITTANCE_MAX_LENGTH = 140
# QR code images a worker keeps (a few kB each).
QR_IMAGES_KEPT = 500
# The most invoices one payment from the history pays (a review page lists them all).
MAX_SELECTED_INVOICES = 100
# The longest amount the customer may type ("999999999.99"): longer is no amount.
AMOUNT_MAX_LENGTH = 16

# --- Payments (any provider) ------------------------------------------------------------------

# Transactions that hold an invoice: while one exists, the invoice shows "payment in progress"
# instead of a second Pay button.
TX_IN_PROGRESS_STATES = ('pending', 'authorized')
# The cron asks the provider about unfinished transactions younger than this.
CONFIRM_WINDOW_HOURS = 48
# ... first after this delay, then after this fraction of the transaction's age, at most this
# long: about 14 calls over 48 hours for an abandoned checkout, where asking every run (10
# minutes) made 288.
CONFIRM_FIRST_DELAY = timedelta(minutes=10)
CONFIRM_BACKOFF_FACTOR = 0.5
CONFIRM_MAX_DELAY = timedelta(hours=12)
# A run asks at most this many transactions, the longest overdue first; the others wait for the
# next run (every 10 minutes). Paced well below Stripe's test-mode limit (25 requests per second,
# https://docs.stripe.com/rate-limits), which the customers' own calls share.
CONFIRM_CALLS_PER_RUN = 200
CONFIRM_CALLS_PER_SECOND = 10
# The status page reloads itself while the payment is pending.
STATUS_REFRESH_SECONDS = 5
# The status page asks the provider about an unfinished transaction at most this often: every
# few seconds while the customer waits for a card or iDEAL payment to come back, and rarely once
# the payment has been pending for a while (a bank transfer, for days, in a tab left open).
STATUS_ASK_SOON = timedelta(seconds=10)
STATUS_ASK_LATER = timedelta(minutes=10)
STATUS_ASK_SOON_FOR = timedelta(minutes=15)  # transaction age
# A transaction's reference names its invoices; beyond this many, it names the first and counts
# the others (Stripe refuses a client_reference_id longer than 200 characters).
REFERENCE_MAX_INVOICES = 3
# Checkouts started within the window, per invoice and per client address, beyond which the
# customer is asked to wait (429): a person tries a few methods, a script tries hundreds. Each
# limit can be changed through its system parameter (an office paying for many clients from one
# address may need a higher one).
CHECKOUT_RATE_WINDOW_MINUTES = 10
CHECKOUT_LIMITS = {
    'invoice': ('invoicecloud_payments.checkout_limit_per_invoice', 10),
    'address': ('invoicecloud_payments.checkout_limit_per_address', 30),
}

# Keys of the providers' payment data that the payment loggers never write
# (`odoo.addons.payment.logging.get_payment_logger`): a Checkout Session's client secret, a
# webhook endpoint's signing secret.
SENSITIVE_KEYS = {'client_secret', 'secret'}

# --- Stripe -----------------------------------------------------------------------------------

STRIPE_CODE = 'invoicecloud_stripe'
MOLLIE_CODE = 'invoicecloud_mollie'
# The provider codes this addon owns.
INVOICECLOUD_CODES = (STRIPE_CODE, MOLLIE_CODE)
# Optional API base for tests: the SDK then talks to a local fake instead of api.stripe.com.
STRIPE_API_BASE_PARAM = 'invoicecloud_payments.stripe_api_base'
# https://docs.stripe.com/api/idempotent_requests (connect, read) in seconds; the SDK retries
# network errors, 409 and 5xx with the same idempotency key.
STRIPE_TIMEOUT = (3, 15)
STRIPE_MAX_NETWORK_RETRIES = 2
# https://docs.stripe.com/webhooks#verify-official-libraries: the SDK's default tolerance.
STRIPE_WEBHOOK_TOLERANCE = 300
# Stripe retries an undelivered event for up to three days (live mode): the registry of events
# acted on keeps them that long, then Odoo's daily autovacuum forgets them.
# https://docs.stripe.com/webhooks#automatic-retries
EVENT_REGISTRY_KEEP = timedelta(days=3)
# Stripe's OpenAPI description (stripe/openapi, POST /v1/checkout/sessions): the
# payment_intent_data.description takes 1,000 characters, the line's product_data.name 5,000.
# The line name is what Checkout shows the customer: we keep it to 250, a readable line. The
# invoice numbers are cut to fit, with a count of the others.
# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-expires_at: "anywhere
# from 30 minutes to 24 hours after Checkout Session creation" (24 hours is the default). Ours
# leaves 5 minutes for a request Odoo retries with the same body.
STRIPE_SESSION_LIFETIME = timedelta(hours=24)
STRIPE_SESSION_MIN_LIFETIME = timedelta(minutes=35)
STRIPE_NAME_MAX_LENGTH = 250
STRIPE_DESCRIPTION_MAX_LENGTH = 1000

# https://docs.stripe.com/currencies#zero-decimal and #three-decimal. Stripe's minor units, which
# differ from ISO 4217 for a few currencies (ISK and HUF are sent with two decimals).
STRIPE_ZERO_DECIMAL_CURRENCIES = {
    'BIF',
    'CLP',
    'DJF',
    'GNF',
    'JPY',
    'KMF',
    'KRW',
    'MGA',
    'PYG',
    'RWF',
    'UGX',
    'VND',
    'VUV',
    'XAF',
    'XOF',
    'XPF',
}
STRIPE_THREE_DECIMAL_CURRENCIES = {'BHD', 'JOD', 'KWD', 'OMR', 'TND'}
# https://docs.stripe.com/currencies#three-decimal: amounts of those in multiples of ten minor units
# ("5.124 KWD must be rounded to 5120 or 5130"). We never round a customer's debt: such an amount
# is not offered to Stripe.
STRIPE_THREE_DECIMAL_STEP = 10
# https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts, in major units. Other
# currencies: Stripe converts to the settlement currency and refuses below its minimum there,
# which we cannot know beforehand; Stripe's refusal then reaches the customer as a message.
STRIPE_MINIMUM_AMOUNTS = {
    'USD': '0.50', 'AED': '2.00', 'AUD': '0.50', 'BGN': '1.00', 'BRL': '0.50', 'CAD': '0.50',
    'CHF': '0.50', 'CZK': '15.00', 'DKK': '2.50', 'EUR': '0.50', 'GBP': '0.30', 'HKD': '4.00',
    'HUF': '175.00', 'INR': '0.50', 'JPY': '50', 'MXN': '10', 'MYR': '2', 'NOK': '3.00',
    'NZD': '0.50', 'PLN': '2.00', 'RON': '2.00', 'SEK': '3.00', 'SGD': '0.50', 'THB': '10',
}  # fmt: skip
# Same page: "The amount value supports up to eight digits" (99999999 minor units).
STRIPE_MAXIMUM_MINOR_UNITS = 99_999_999

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-locale
STRIPE_LOCALES = {'fr', 'nl', 'de', 'en', 'es', 'it', 'pt', 'pl', 'sv', 'da', 'fi', 'nb', 'cs', 'ja'}

# https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-payment_status:
# only `paid` means the money is there (`unpaid` on completion = a slow method still running).
STRIPE_PAID_STATUS = 'paid'
# https://docs.stripe.com/payments/paymentintents/lifecycle: a slow method that failed sends the
# intent back to requires_payment_method (or canceled); the session stays `complete`, `unpaid`.
STRIPE_FAILED_INTENT_STATUSES = ('requires_payment_method', 'canceled')

# Where a Checkout Session stands, in one word (`_stripe_status` reads the session's status, its
# payment_status and, for a slow method, the payment intent's status) -> the transaction's state.
STRIPE_STATUS_MAPPING = {
    'done': ('paid',),
    'pending': ('processing',),  # complete, a slow method (bank debit) still running
    'error': ('failed',),  # complete, and the slow method failed
    'cancel': ('expired',),
}

# https://docs.stripe.com/api/events/types: the events the webhook acts on.
STRIPE_HANDLED_EVENTS = (
    'checkout.session.completed',
    'checkout.session.async_payment_succeeded',
    'checkout.session.async_payment_failed',
    'checkout.session.expired',
    'charge.refunded',
    'charge.dispute.created',
)
# Where each provider sends its webhooks: <route>/<provider id>.
STRIPE_WEBHOOK_ROUTE = '/invoicecloud/webhook/stripe'
MOLLIE_WEBHOOK_ROUTE = '/invoicecloud/webhook/mollie'
# PostgreSQL's integer, the type of record ids: an id from a URL or a form beyond it matches nothing.
MAX_RECORD_ID = 2**31 - 1
# Webhook bodies beyond this size are refused (413) before they are read.
WEBHOOK_MAX_BYTES = 64 * 1024

# --- Mollie -----------------------------------------------------------------------------------

# Optional API endpoint for tests: the SDK then talks to a local fake instead of api.mollie.com.
MOLLIE_API_ENDPOINT_PARAM = 'invoicecloud_payments.mollie_api_endpoint'
MOLLIE_TIMEOUT = (3, 15)
# https://docs.mollie.com/reference/create-payment (description: "up to 255 characters") and
# https://docs.mollie.com/reference/create-refund (description: "up to 140 characters").
MOLLIE_DESCRIPTION_MAX_LENGTH = 255
MOLLIE_REFUND_DESCRIPTION_MAX_LENGTH = 140

# Odoo payment.method code -> Mollie method id (https://docs.mollie.com/reference/v2/methods-api/list-methods).
# Cards are Stripe's: Mollie's `creditcard` is never offered, whatever the profile has activated.
MOLLIE_METHODS = {
    'ideal': 'ideal',
    'bancontact': 'bancontact',
    'paypal': 'paypal',
    'bank_transfer': 'banktransfer',
    'kbc_cbc': 'kbc',
    'belfius': 'belfius',
    'eps': 'eps',
    'p24': 'przelewy24',
    'trustly': 'trustly',
    'twint': 'twint',
    'sofort': 'sofort',
    'blik': 'blik',
    'mybank': 'mybank',
    'in3': 'in3',
    'klarna': 'klarna',
}
MOLLIE_NEVER = ('creditcard',)
# https://docs.mollie.com/docs/multicurrency (Supported currencies): the currencies each method
# takes; a method not listed here takes euros only. "For PayPal, all currencies supported by PayPal
# are also supported by Mollie" (PayPal's list of currencies).
MOLLIE_CURRENCIES = {
    'paypal': {
        'AUD', 'BRL', 'CAD', 'CHF', 'CZK', 'DKK', 'EUR', 'GBP', 'HKD', 'HUF', 'ILS', 'JPY', 'MXN', 'MYR',
        'NOK', 'NZD', 'PHP', 'PLN', 'SEK', 'SGD', 'THB', 'TWD', 'USD',
    },
    'klarna': {'EUR', 'CHF', 'CZK', 'DKK', 'NOK'},
    'trustly': {'EUR', 'DKK', 'GBP', 'NOK'},
    'przelewy24': {'EUR', 'PLN'},
    'twint': {'CHF'},
    'blik': {'PLN'},
}  # fmt: skip

# https://docs.mollie.com/reference/v2/payments-api/create-payment#parameters (locale)
MOLLIE_LOCALES = (
    'en_US', 'en_GB', 'nl_NL', 'nl_BE', 'fr_FR', 'fr_BE', 'de_DE', 'de_AT', 'de_CH', 'es_ES', 'ca_ES', 'pt_PT',
    'it_IT', 'nb_NO', 'sv_SE', 'fi_FI', 'da_DK', 'is_IS', 'hu_HU', 'pl_PL', 'lv_LV', 'lt_LT',
)  # fmt: skip

# https://docs.mollie.com/reference/v2/payments-api/get-payment: ids look like tr_7UhSN1zuXS.
MOLLIE_PAYMENT_ID_PATTERN = r'tr_[A-Za-z0-9]{1,64}'
# Cards through Stripe; Mollie's own methods (never cards) through Mollie. Linked: what a provider
# can offer once installed (Mollie: until its profile's own list is synced). Default: what Odoo
# activates when the provider is enabled (`_activate_default_pms`); Odoo ships KBC/CBC and
# Belfius inactive, and a Mollie profile has them only when the business asked for them.
STRIPE_DEFAULT_METHOD_CODES = ('card', 'visa', 'mastercard', 'amex')
MOLLIE_DEFAULT_METHOD_CODES = ('ideal', 'bancontact', 'paypal', 'bank_transfer')
MOLLIE_LINKED_METHOD_CODES = (*MOLLIE_DEFAULT_METHOD_CODES, 'kbc_cbc', 'belfius')

# https://docs.mollie.com/payments/status-changes: a payment's status -> the transaction's state.
# `open` is the checkout not completed yet, except for a bank transfer, which stays `open` until
# the money arrives (pending here).
MOLLIE_STATUS_MAPPING = {
    'done': ('paid',),
    'authorized': ('authorized',),
    'pending': ('pending',),
    'error': ('failed',),
    'cancel': ('canceled', 'expired'),
}
# Methods whose payment stays `open` (pending here) while Mollie waits for the customer, and that
# Mollie lets us cancel meanwhile: the customer may still choose to pay another way.
MOLLIE_CANCELABLE_PENDING_METHODS = ('bank_transfer',)

# https://docs.mollie.com/reference/v2/refunds-api/get-payment-refund (status) -> the refund
# transaction's state.
MOLLIE_REFUND_STATUS_MAPPING = {
    'done': ('refunded',),
    'pending': ('queued', 'pending', 'processing'),
    'error': ('failed',),
    'cancel': ('canceled',),
}

# How long the cron keeps asking: a bank transfer stays open for up to 12 days at Mollie; a refund
# is usually processed the next business day, sometimes after a holiday or a low balance.
MOLLIE_CONFIRM_WINDOW_DAYS = {'bank_transfer': 14}
MOLLIE_REFUND_CONFIRM_WINDOW_DAYS = 14

# Statement of account: the period offered by default, and the longest one drawn (a PDF of years
# of entries would take minutes to draw); the ageing buckets, (key, from, to) days past due.
STATEMENT_DEFAULT_MONTHS = 12
STATEMENT_MAX_MONTHS = 36
STATEMENT_AGEING_BUCKETS = (
    ('current', None, 0),
    ('1_30', 1, 30),
    ('31_60', 31, 60),
    ('61_90', 61, 90),
    ('over_90', 91, None),
)
STATEMENT_FORMATS = ('pdf', 'csv')
# No statement before this day (a period computed back from year 1 would leave the calendar).
STATEMENT_FIRST_DAY = date(1900, 1, 1)

# Promise to pay and dispute, from the invoice page: the reasons a customer may give (the labels
# are the follow-up model's selection, translated there), and the file they may join, by what
# its content is (never by the name or type the browser sends): 5 MB of PDF, PNG or JPEG.
DISPUTE_REASONS = [
    ('wrong_amount', "The amount or a price is wrong"),
    ('not_received', "I did not receive the goods or the service"),
    ('not_ordered', "I did not order this"),
    ('already_paid', "I already paid this invoice"),
    ('quality', "The goods or the service were not as agreed"),
    ('other', "Another reason"),
]
DISPUTE_ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
DISPUTE_IMAGE_MAX_PIXELS = 25_000_000  # a photo of a document; Odoo refuses above 50 million
DISPUTE_ATTACHMENT_MIMETYPES = {'application/pdf': 'pdf', 'image/png': 'png', 'image/jpeg': 'jpg'}
# The request carrying it: the file, the form's fields and the multipart envelope.
DISPUTE_REQUEST_MAX_BYTES = DISPUTE_ATTACHMENT_MAX_BYTES + 256 * 1024
PROMISE_MAX_DAYS = 60
PROMISE_RESULTS = ('sent', 'closed', 'bad_date', 'wait')
DISPUTE_RESULTS = ('sent', 'closed', 'no_reason', 'too_long', 'bad_file', 'too_big', 'wait')

# Reminders: the schedule a company starts with (days from the due date), and how many customers
# a run mails between two commits.
REMINDER_DEFAULT_STEPS = (-3, 7, 21)
REMINDER_CUSTOMERS_PER_COMMIT = 50

# The invoice page's "viewed" beacon: its signed ticket (never the link's token), how long a ticket
# is good for, and how often a view is recorded again for the same invoice.
VIEW_TICKET_SCOPE = 'invoicecloud-view'
VIEW_TICKET_HOURS = 24
VIEW_RECORD_MINUTES = 5
