from . import (
    test_checkout_limits,
    test_history,
    test_invoice_page,
    test_link_shortcode,
    test_mollie,
    test_mollie_refund,
    test_payment_flow,
    test_remark,
    test_routes,
    test_settings,
    test_stripe_webhook,
    test_tokens,
)
