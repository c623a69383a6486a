{
    'name': "Invoicecloud Payments",
    'version': '19.0.1.0.0',
    'category': 'Accounting/Payment Providers',
    'summary': "Customers read, question and pay their invoices online through a link in the invoice email.",
    'author': "Invoicecloud",
    'website': "https://github.com/invoicecloud/invoicecloud_payments",
    'license': 'LGPL-3',
    'depends': ['account', 'account_payment', 'portal'],
    'external_dependencies': {'python': ['stripe', 'mollie-api-python']},
    'data': [
        'views/invoicecloud_templates.xml',
        'views/account_move_views.xml',
        'views/res_partner_views.xml',
        'views/res_config_settings_views.xml',
    ],
    'assets': {
        'web.assets_frontend': ['invoicecloud_payments/static/src/**/*'],
    },
    'post_init_hook': '_post_init_hook',
}
