"""Issue 10, figures: the confirmation cron with 200, 2,000 and 20,000 abandoned checkouts.

The cron asks the providers about unfinished payments, because webhooks get lost. It used to ask
about every unfinished transaction at every run (every 10 minutes, for 48 hours): its calls grew
with the abandoned checkouts, and at Stripe's rate limits it failed. Now each transaction is asked
again after a delay that grows with its age, a run asks at most a budget, paced.

Here, abandoned Stripe checkouts (sessions open at the fake Stripe, never paid) are spread evenly
over the 48 hours the cron looks back, each due when the schedule would have made it due. The cron
then runs as time passes, 10 minutes at a time: calls per run and run time are measured, beside
what the old cron would have asked per run (every unfinished transaction in the window, counted in
the same database). The fake Stripe keeps its test-mode rate limit: no call may be refused.
"""

from datetime import UTC, datetime, timedelta

import pytest

from fakes.stripe_server import StripeServer
from payment_helpers import running_shop
from suite_figures import record

pytestmark = pytest.mark.slow

SIZES = (200, 2_000, 20_000)
RUNS = 3  # per size, 10 minutes apart
WINDOW = timedelta(hours=48)
SPREAD = WINDOW - timedelta(hours=1)  # all stay in the window while the runs' time passes


def _schedule_ages():
    """The ages at which the cron asks about an unfinished transaction (const.py's schedule)."""
    ages, age = [], timedelta(minutes=10)
    while age < WINDOW:
        ages.append(age)
        age += min(max(timedelta(minutes=10), age / 2), timedelta(hours=12))
    return ages


def _abandoned(fake, size, now):
    """`size` open sessions at the fake, created evenly over the window; their rows in Odoo."""
    base = fake.create_session(
        {'line_items': [{'quantity': 1, 'price_data': {'currency': 'eur', 'unit_amount': 10000}}]}
    )
    ages = _schedule_ages()
    rows = []
    for index in range(size):
        age = SPREAD * (index + 0.5) / size
        session_id, reference = f'cs_test_abandoned_{size}_{index}', f'ABANDONED-{size}-{index}'
        fake.sessions[session_id] = {**base, 'id': session_id, 'client_reference_id': reference}
        next_age = next((a for a in ages if a > age), WINDOW)
        rows.append({
            'reference': reference, 'session': session_id,
            'created': (now - age).isoformat(), 'next_check': (now - age + next_age).isoformat(),
        })  # fmt: skip
    return rows


@pytest.mark.parametrize('size', SIZES)
def test_cron_calls_grow_with_what_is_due_not_with_what_was_abandoned(size):
    with StripeServer() as fake, running_shop(f'cron_{size}', fake, singles=1) as (odoo, data):
        now = datetime.now(UTC).replace(tzinfo=None)
        odoo.run_result('abandoned_checkouts', invoice_id=data['single'][0]['id'], rows=_abandoned(fake, size, now))
        runs = []
        for _run in range(RUNS):
            odoo.run('abandoned_time_passes')
            before = len(fake.requests)
            result = odoo.run_result('confirm_cron_run')
            runs.append({**result, 'stripe_calls': len(fake.requests) - before})
        assert fake.rate_limited_calls == 0, "within Stripe's test-mode rate limit"
        record(f'confirmation cron, {size} abandoned checkouts', {'runs': runs})
        for run in runs:
            assert run['old_cron_would_ask'] == size
        if size >= 2_000:
            assert max(run['stripe_calls'] for run in runs) < size / 10
