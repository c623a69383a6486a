from . import invoicecloud
from . import payment
from . import webhooks
from . import webhook_stripe
from . import webhook_mollie
from . import receipt
from . import statement
from . import followup
