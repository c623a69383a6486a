"""Time passes: every date of the abandoned checkouts moves back by one cron interval."""


def main(env):
    env.cr.execute(
        """
        UPDATE payment_transaction
           SET create_date = create_date - interval '10 minutes',
               invoicecloud_next_check = invoicecloud_next_check - interval '10 minutes'
         WHERE reference LIKE 'ABANDONED-%'
        """
    )
    env.cr.commit()
