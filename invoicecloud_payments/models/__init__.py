# The token mixin first: the models below inherit it.
from . import invoicecloud_token_mixin
from . import account_move
from . import account_move_transfer
from . import res_company
from . import res_config_settings
from . import res_partner
from . import invoicecloud_checkout_gate
from . import invoicecloud_payment_event
from . import invoicecloud_payment_line
from . import payment_provider
from . import payment_provider_stripe
from . import payment_provider_mollie
from . import payment_transaction
from . import payment_transaction_stripe
from . import payment_transaction_mollie
from . import payment_transaction_receipt
from . import account_payment
