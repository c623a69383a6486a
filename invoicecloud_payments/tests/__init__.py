from . import test_history, test_invoice_page, test_link_shortcode, test_remark, test_settings, test_tokens
