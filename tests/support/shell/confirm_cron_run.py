"""One run of the confirmation cron among the abandoned checkouts: its time, what the cron before
issue 7 would have asked, and what is still due after it."""

import json
import time
from datetime import timedelta

from odoo import fields


def main(env):
    now = fields.Datetime.now()
    env.cr.execute(
        """
        SELECT count(*) FROM payment_transaction
         WHERE reference LIKE 'ABANDONED-%%' AND state = 'draft' AND create_date >= %s
        """,
        [now - timedelta(hours=48)],
    )
    old_cron_would_ask = env.cr.fetchone()[0]
    start = time.perf_counter()
    env.ref('invoicecloud_payments.cron_confirm_payments').method_direct_trigger()
    env.cr.commit()
    seconds = round(time.perf_counter() - start, 2)
    env.cr.execute(
        """
        SELECT count(*) FROM payment_transaction
         WHERE reference LIKE 'ABANDONED-%%' AND state = 'draft' AND invoicecloud_next_check <= %s
        """,
        [now],
    )
    still_due = env.cr.fetchone()[0]
    result = {'seconds': seconds, 'old_cron_would_ask': old_cron_would_ask, 'still_due': still_due}
    print('RESULT=' + json.dumps(result))
