"""The request parameters the fake Stripe accepts, written by hand for this project.

This is a hand-written table of the rules the fake enforces, not a copy of Stripe's API
description: for each operation the fake implements, the parameters it knows (the form body of a
POST, the query of a GET), with the type, ``required`` flags, ``enum`` values and maximum lengths
Stripe gives them. Everything not listed is refused as unknown (``parameter_unknown``), as Stripe
refuses it; the table covers what the addon sends (``_invoicecloud_stripe_session_params``,
``gateways/stripe_gateway.py``), what the tests send, and a few other commonly used parameters of a
Checkout Session, not the whole API.

Where the facts come from:

* Stripe's published API description, ``openapi/spec3.yaml`` of the public repository
  stripe/openapi at commit 63a674638635c68de26b9f3add13e58198f4df44 (API version 2023-08-16): the
  names, types, required parameters, enum values (``locale``, ``payment_method_types``, webhook
  event types...) and ``maxLength`` read there;
* Stripe's API reference pages, https://docs.stripe.com/api/checkout/sessions/create,
  https://docs.stripe.com/api/checkout/sessions/retrieve, https://docs.stripe.com/api/checkout/sessions/expire,
  https://docs.stripe.com/api/payment_intents/retrieve, https://docs.stripe.com/api/charges/retrieve,
  https://docs.stripe.com/api/refunds/create, https://docs.stripe.com/api/events/list,
  https://docs.stripe.com/api/balance/balance_retrieve and https://docs.stripe.com/api/webhook_endpoints/create,
  for what the spec at that commit predates (``ui_mode``, ``return_url``: see their comments).

The schemas are plain dicts with the keywords ``fakes/stripe_rules.py`` checks (``type``,
``properties``, ``required``, ``items``, ``enum``, ``maxLength``, ``anyOf``,
``additionalProperties``), built by the small constructors below. The rules Stripe documents outside
the parameter schemas (amount limits, ``expires_at`` window, conditional requirements...) live in
``stripe_rules.py``.
"""

# --- constructors ---------------------------------------------------------------------------------


def string(max_length=None):
    schema = {'type': 'string'}
    if max_length is not None:
        schema['maxLength'] = max_length
    return schema


def identifier():
    """An object id or an opaque token: Stripe takes up to 5000 characters."""
    return string(max_length=5000)


def integer():
    return {'type': 'integer'}


def decimal():
    """A decimal string ("12.5"): Stripe's ``format: decimal``."""
    return {'type': 'number'}


def boolean():
    return {'type': 'boolean'}


def enum(*values, max_length=None):
    schema = string(max_length)
    schema['enum'] = list(values)
    return schema


def obj(properties, required=()):
    """An object (a form hash) with these keys and no others."""
    return {'type': 'object', 'properties': properties, 'required': list(required)}


def array(items):
    return {'type': 'array', 'items': items}


def any_of(*alternatives):
    return {'anyOf': list(alternatives)}


def unsettable(schema):
    """A parameter that also takes "" (to unset it)."""
    return any_of(schema, enum(''))


def metadata(unset=False):
    """Free keys, string values (https://docs.stripe.com/api/metadata: limits in stripe_rules)."""
    schema = {'type': 'object', 'additionalProperties': string()}
    return unsettable(schema) if unset else schema


def expand():
    return array(identifier())


def words(text):
    """The space-separated values of ``text``: long enums, written compactly."""
    return text.split()


def event_types(groups):
    """Webhook event types, written as {'charge': 'captured refunded ...'} for charge.captured, ..."""
    return [f'{prefix}.{suffix}' for prefix, suffixes in groups.items() for suffix in words(suffixes)]


# --- values -----------------------------------------------------------------------------------------

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-locale
LOCALES = words(
    'auto bg cs da de el en en-GB es es-419 et fi fil fr fr-CA hr hu id it ja ko lt lv ms mt nb nl pl pt pt-BR ro ru '
    'sk sl sv th tr vi zh zh-HK zh-TW'
)

# https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-payment_method_types
PAYMENT_METHOD_TYPES = words(
    'acss_debit affirm afterpay_clearpay alipay au_becs_debit bacs_debit bancontact blik boleto card cashapp '
    'customer_balance eps fpx giropay grabpay ideal klarna konbini link oxxo p24 paynow paypal pix promptpay '
    'sepa_debit sofort us_bank_account wechat_pay zip'
)

# https://docs.stripe.com/api/webhook_endpoints/create#create_webhook_endpoint-enabled_events, as of
# API version 2023-08-16 (https://docs.stripe.com/api/events/types lists them).
EVENT_TYPES = ['*'] + event_types({
    'account': 'application.authorized application.deauthorized external_account.created external_account.deleted '
               'external_account.updated updated',
    'application_fee': 'created refund.updated refunded',
    'balance': 'available',
    'billing_portal': 'configuration.created configuration.updated session.created',
    'capability': 'updated',
    'cash_balance': 'funds_available',
    'charge': 'captured dispute.closed dispute.created dispute.funds_reinstated dispute.funds_withdrawn '
              'dispute.updated expired failed pending refund.updated refunded succeeded updated',
    'checkout': 'session.async_payment_failed session.async_payment_succeeded session.completed session.expired',
    'coupon': 'created deleted updated',
    'credit_note': 'created updated voided',
    'customer': 'created deleted discount.created discount.deleted discount.updated source.created source.deleted '
                'source.expiring source.updated subscription.created subscription.deleted subscription.paused '
                'subscription.pending_update_applied subscription.pending_update_expired subscription.resumed '
                'subscription.trial_will_end subscription.updated tax_id.created tax_id.deleted tax_id.updated '
                'updated',
    'customer_cash_balance_transaction': 'created',
    'file': 'created',
    'financial_connections': 'account.created account.deactivated account.disconnected account.reactivated '
                             'account.refreshed_balance',
    'identity': 'verification_session.canceled verification_session.created verification_session.processing '
                'verification_session.redacted verification_session.requires_input verification_session.verified',
    'invoice': 'created deleted finalization_failed finalized marked_uncollectible paid payment_action_required '
               'payment_failed payment_succeeded sent upcoming updated voided',
    'invoiceitem': 'created deleted',
    'issuing_authorization': 'created request updated',
    'issuing_card': 'created updated',
    'issuing_cardholder': 'created updated',
    'issuing_dispute': 'closed created funds_reinstated submitted updated',
    'issuing_transaction': 'created updated',
    'mandate': 'updated',
    'order': 'created',
    'payment_intent': 'amount_capturable_updated canceled created partially_funded payment_failed processing '
                      'requires_action succeeded',
    'payment_link': 'created updated',
    'payment_method': 'attached automatically_updated detached updated',
    'payout': 'canceled created failed paid reconciliation_completed updated',
    'person': 'created deleted updated',
    'plan': 'created deleted updated',
    'price': 'created deleted updated',
    'product': 'created deleted updated',
    'promotion_code': 'created updated',
    'quote': 'accepted canceled created finalized',
    'radar': 'early_fraud_warning.created early_fraud_warning.updated',
    'recipient': 'created deleted updated',
    'refund': 'created updated',
    'reporting': 'report_run.failed report_run.succeeded report_type.updated',
    'review': 'closed opened',
    'setup_intent': 'canceled created requires_action setup_failed succeeded',
    'sigma': 'scheduled_query_run.created',
    'sku': 'created deleted updated',
    'source': 'canceled chargeable failed mandate_notification refund_attributes_required transaction.created '
              'transaction.updated',
    'subscription_schedule': 'aborted canceled completed created expiring released updated',
    'tax': 'settings.updated',
    'tax_rate': 'created updated',
    'terminal': 'reader.action_failed reader.action_succeeded',
    'test_helpers': 'test_clock.advancing test_clock.created test_clock.deleted test_clock.internal_failure '
                    'test_clock.ready',
    'topup': 'canceled created failed reversed succeeded',
    'transfer': 'created reversed updated',
    'treasury': 'credit_reversal.created credit_reversal.posted debit_reversal.completed debit_reversal.created '
                'debit_reversal.initial_credit_granted financial_account.closed financial_account.created '
                'financial_account.features_status_updated inbound_transfer.canceled inbound_transfer.created '
                'inbound_transfer.failed inbound_transfer.succeeded outbound_payment.canceled '
                'outbound_payment.created outbound_payment.expected_arrival_date_updated outbound_payment.failed '
                'outbound_payment.posted outbound_payment.returned outbound_transfer.canceled '
                'outbound_transfer.created outbound_transfer.expected_arrival_date_updated outbound_transfer.failed '
                'outbound_transfer.posted outbound_transfer.returned received_credit.created received_credit.failed '
                'received_credit.succeeded received_debit.created',
})  # fmt: skip

# --- the operations ---------------------------------------------------------------------------------

# https://docs.stripe.com/api/checkout/sessions/create
CHECKOUT_SESSION_CREATE = obj({
    'mode': enum('payment', 'setup', 'subscription'),
    'payment_method_types': array(enum(*PAYMENT_METHOD_TYPES)),
    # Required in payment and subscription mode, and each item needs a price or price_data, its
    # price_data a product or product_data and an amount: conditions checked in stripe_rules.
    'line_items': array(obj({
        'price': identifier(),
        'price_data': obj({
            'currency': string(),
            'product': identifier(),
            'product_data': obj({
                'name': string(max_length=5000),
                'description': string(max_length=40000),
                'images': array(string()),
                'metadata': metadata(),
                'tax_code': identifier(),
            }, required=['name']),
            'unit_amount': integer(),
            'unit_amount_decimal': decimal(),
            'tax_behavior': enum('exclusive', 'inclusive', 'unspecified'),
        }, required=['currency']),
        'quantity': integer(),
    })),
    'client_reference_id': string(max_length=200),
    'locale': enum(*LOCALES),
    # Required in the 2023-08-16 spec; today's docs make it depend on ui_mode: checked in stripe_rules.
    'success_url': string(max_length=5000),
    'cancel_url': string(max_length=5000),
    'expires_at': integer(),  # a Unix time; its window is checked in stripe_rules
    'metadata': metadata(),
    'payment_intent_data': obj({
        'description': string(max_length=1000),
        'metadata': metadata(),
        'capture_method': enum('automatic', 'automatic_async', 'manual'),
        'receipt_email': string(),
        'setup_future_usage': enum('off_session', 'on_session'),
        'statement_descriptor': string(max_length=22),
        'statement_descriptor_suffix': string(max_length=22),
    }),
    'customer_email': string(),  # one address: checked in stripe_rules
    'customer': identifier(),
    'customer_creation': enum('always', 'if_required'),
    'currency': string(),
    'allow_promotion_codes': boolean(),
    'billing_address_collection': enum('auto', 'required'),
    'phone_number_collection': obj({'enabled': boolean()}, required=['enabled']),
    'automatic_tax': obj({'enabled': boolean()}, required=['enabled']),
    'submit_type': enum('auto', 'book', 'donate', 'pay'),
    # Not in the 2023-08-16 spec: the values of the API version the stripe SDK pins (2026-10-28),
    # renamed from hosted/embedded/custom in 2026-03-25
    # (https://docs.stripe.com/changelog/dahlia/2026-03-25/updates-available-checkout-session-ui-modes).
    'ui_mode': enum('hosted_page', 'embedded_page', 'elements'),
    # https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-return_url: where
    # an embedded page sends the customer (a hosted page uses success_url).
    'return_url': string(max_length=5000),
    'expand': expand(),
})  # fmt: skip

# https://docs.stripe.com/api/refunds/create: a charge or a payment intent (checked in stripe_rules).
REFUND_CREATE = obj({
    'payment_intent': identifier(),
    'charge': identifier(),
    'amount': integer(),
    'reason': enum('duplicate', 'fraudulent', 'requested_by_customer', max_length=5000),
    'metadata': metadata(unset=True),
    'refund_application_fee': boolean(),
    'reverse_transfer': boolean(),
    'expand': expand(),
})  # fmt: skip

# https://docs.stripe.com/api/events/list
EVENT_LIST = obj({
    'created': any_of(obj({'gt': integer(), 'gte': integer(), 'lt': integer(), 'lte': integer()}), integer()),
    'delivery_success': boolean(),
    'ending_before': identifier(),
    'starting_after': identifier(),
    'limit': integer(),  # 1 to 100: checked in stripe_rules
    'type': identifier(),
    'types': array(identifier()),
    'expand': expand(),
})  # fmt: skip

# https://docs.stripe.com/api/webhook_endpoints/create
WEBHOOK_ENDPOINT_CREATE = obj(
    {
        'url': string(),
        'enabled_events': array(enum(*EVENT_TYPES)),
        'description': unsettable(string(max_length=5000)),
        'metadata': metadata(unset=True),
        'connect': boolean(),
        'expand': expand(),
    },
    required=['enabled_events', 'url'],
)

# The operations the fake implements, by method and path template (``{...}`` matches one segment),
# each with the schema of its parameters: the form body of a POST, the query string of a GET.
OPERATIONS = {
    'POST /v1/checkout/sessions': CHECKOUT_SESSION_CREATE,
    'GET /v1/checkout/sessions/{session}': obj({'expand': expand()}),
    'POST /v1/checkout/sessions/{session}/expire': obj({'expand': expand()}),
    'GET /v1/payment_intents/{intent}': obj({'client_secret': identifier(), 'expand': expand()}),
    'GET /v1/charges/{charge}': obj({'expand': expand()}),
    'POST /v1/refunds': REFUND_CREATE,
    'GET /v1/events': EVENT_LIST,
    'GET /v1/balance': obj({'expand': expand()}),
    'POST /v1/webhook_endpoints': WEBHOOK_ENDPOINT_CREATE,
}
