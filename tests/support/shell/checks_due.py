"""Time passes for the confirmation cron: every check it planned is due now."""


def main(env):
    env.cr.execute(
        "UPDATE payment_transaction SET invoicecloud_next_check = (now() AT TIME ZONE 'UTC') - interval '1 second'"
        " WHERE invoicecloud_next_check > (now() AT TIME ZONE 'UTC')"
    )
    env.cr.commit()
