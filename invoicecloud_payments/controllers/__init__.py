from . import invoicecloud
