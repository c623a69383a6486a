from . import (
    test_amount_limits,
    test_checkout_limits,
    test_confirm_cron,
    test_draft_cancel,
    test_early_discount,
    test_history,
    test_instalments,
    test_invoice_page,
    test_link_revocation,
    test_link_shortcode,
    test_link_who_may,
    test_mollie,
    test_mollie_refund,
    test_money_rights,
    test_multi_company,
    test_other_flows,
    test_pay_parts_pages,
    test_pages_with_website,
    test_payment_flow,
    test_provider_methods,
    test_proxy_mode,
    test_remark,
    test_routes,
    test_scan_to_pay,
    test_secrets_and_leftovers,
    test_settings,
    test_status_page,
    test_stripe_webhook,
    test_tokens,
)
from . import test_receipts
from . import test_statement
from . import test_promise_dispute
from . import test_reminders
from . import test_viewed
