"""Odoo's post-processing cron records the payments webhooks confirmed; how many, how fast."""

import json
import time


def main(env):
    before = env['account.payment'].search_count([])
    start = time.perf_counter()
    env.ref('payment.cron_post_process_payment_tx').method_direct_trigger()
    env.cr.commit()
    elapsed = time.perf_counter() - start
    payments = env['account.payment'].search_count([]) - before
    figures = {
        'payments': payments,
        'seconds': round(elapsed, 2),
        'per_payment_ms': round(1000 * elapsed / max(payments, 1), 1),
    }
    print('RESULT=' + json.dumps(figures))
