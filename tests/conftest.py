"""The tests of the repository, by kind: providers/ (the fakes against the providers' published
rules, the gateways against the fakes), flows/ (payments end to end on a served Odoo),
multiworker/ (Odoo as in production, under concurrency and faults), browser/ (Chromium),
benchmarks/ (ratios against Odoo's own pages and webhooks, in the same run), repository/
(packaging, translations). Helpers live in support/, the fake providers in fakes/."""

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
OUTPUT = TESTS / 'output'
# The helpers and the fakes are imported by name (`from odoo_server import OdooServer`,
# `from fakes.stripe_server import StripeServer`), from whichever folder a test sits in.
sys.path[:0] = [str(TESTS / 'support'), str(TESTS)]

pytest.register_assert_rewrite('payment_helpers')

from axe import Audit  # noqa: E402

from fakes.mollie_server import MollieServer  # noqa: E402
from fakes.stripe_server import StripeServer  # noqa: E402
from odoo_server import drop_templates  # noqa: E402


def pytest_collection_modifyitems(config, items):
    """--quick (setup/test --quick) leaves out the tests marked slow."""
    if os.environ.get('INVOICECLOUD_QUICK') == '1':
        items[:] = [item for item in items if not item.get_closest_marker('slow')]


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: browser and benchmark tests, left out by setup/test --quick')


@pytest.fixture(scope='session')
def output_dir():
    OUTPUT.mkdir(exist_ok=True)
    return OUTPUT


@pytest.fixture(scope='session', autouse=True)
def template_databases():
    """Template databases made by OdooServer.create() live as long as the session."""
    yield
    drop_templates()


@pytest.fixture(scope='module')
def stripe_fake():
    """The fake Stripe on loopback, for the tests of one module."""
    with StripeServer() as fake:
        yield fake


@pytest.fixture(scope='module')
def mollie_fake():
    """The fake Mollie on loopback, for the tests of one module."""
    with MollieServer() as fake:
        yield fake


@pytest.fixture
def axe_audit(output_dir):
    """WCAG 2.2 AA checks (axe-core) of the pages a browser test visits: see support/axe.py."""
    return Audit(output_dir)
