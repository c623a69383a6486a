from . import invoicecloud
from . import payment
from . import webhooks
