-- A copied database must not charge or confirm anything with the real keys.
UPDATE payment_provider
   SET invoicecloud_stripe_secret_key = NULL,
       invoicecloud_stripe_webhook_secret = NULL,
       invoicecloud_mollie_api_key = NULL;
