import os
from pathlib import Path

import pytest

pytest.register_assert_rewrite('payment_helpers')

from odoo_server import drop_templates  # noqa: E402

OUTPUT = Path(__file__).resolve().parent / 'output'


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
