"""A real Odoo server on a throwaway database, for the tests of this folder.

setup/test exports where PostgreSQL runs (PGHOST, PGPORT, PGUSER) and where state and logs go.
Every server logs to a file under INVOICECLOUD_LOGS, which setup/test scans for WARNING/ERROR.
"""

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import requests

ROOT = Path(os.environ.get('INVOICECLOUD_ROOT', Path(__file__).resolve().parents[2]))


def load_addon_module(name, relative_path, package=False):
    """A module of the addon that holds no Odoo code (const.py, gateways/), loaded straight from
    the addon's folder under `name`, for tests that run outside Odoo."""
    path = ROOT / 'invoicecloud_payments' / relative_path
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=[] if package else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


STATE = Path(os.environ.get('INVOICECLOUD_STATE', ROOT / '.state'))
LOGS = Path(os.environ.get('INVOICECLOUD_LOGS', STATE / 'logs'))


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def multiworker_options():
    """Odoo as run in production: two HTTP worker processes with Odoo's default time limits, its
    gevent process on a free port."""
    return ['--workers=2', f'--gevent-port={free_port()}']


def worker_trouble(log):
    """Lines where Odoo's prefork server killed a worker: time limit (logged as "... timeout after
    ...s"), CPU time or memory limit."""
    pattern = r'.*(?:timeout after \d+s|CPU time limit|virtual memory limit|memory limit \(|real time limit).*'
    return re.findall(pattern, log.read_text(errors='replace'))


# The programs run in `odoo shell` (see `OdooServer.run`): real files, linted as the rest.
PROGRAMS = Path(__file__).resolve().parent / 'shell'
RUNNER = """
import json, runpy, sys
sys.path[:0] = {paths!r}
runpy.run_path({program!r})['main'](env, **json.loads({args!r}))
"""


class OdooServer:
    """Create a database with the addon, load data through `odoo shell`, serve it over HTTP."""

    def __init__(self, name, modules='invoicecloud_payments', options=(), own_log_check=False):
        """With `own_log_check`, the test provokes WARNING or ERROR lines on purpose (hostile
        requests, faults injected into PostgreSQL) and checks this server's log itself, line by
        line: the log gets its own suffix, outside setup/test's check of `*.log`."""
        needed = ('PGHOST', 'PGPORT', 'PGUSER', 'INVOICECLOUD_ADDONS_PATH')
        missing = [var for var in needed if not os.environ.get(var)]
        if missing:
            raise RuntimeError(f"run these tests through setup/test (missing {', '.join(missing)})")
        self.db = f'invoicecloud_{name}'
        self.modules = modules
        self.port = free_port()
        self.url = f'http://127.0.0.1:{self.port}'
        self.log = LOGS / (f'{name}.checked-by-its-test.txt' if own_log_check else f'{name}.log')
        self.options = list(options)
        self.process = None

    def _odoo(self, *command):
        """`python3 -m odoo [command]` with this database's options."""
        return [
            sys.executable, '-m', 'odoo', *command,
            '--addons-path', os.environ['INVOICECLOUD_ADDONS_PATH'],
            '--data-dir', str(STATE / 'filestore'),
            '--db_host', os.environ['PGHOST'],
            '--db_port', os.environ['PGPORT'],
            '--db_user', os.environ['PGUSER'],
            '--logfile', str(self.log),
            '--http-interface', '127.0.0.1',
            '-d', self.db,
        ]  # fmt: skip

    def connect(self):
        return psycopg2.connect(
            dbname=self.db, host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER']
        )

    def create(self):
        """The database, cloned (with its filestore) from a template that has `modules` installed.

        Installing Odoo's accounting takes most of a minute here; each set of modules is
        installed once per test session.
        """
        LOGS.mkdir(parents=True, exist_ok=True)
        self.log.unlink(missing_ok=True)  # one log per database, as tests read it back
        self.drop()
        template = 'invoicecloud_template_' + re.sub(r'\W', '_', self.modules)
        if template not in TEMPLATES:
            template_server = OdooServer(template.removeprefix('invoicecloud_'), modules=self.modules)
            template_server.drop()
            template_server.install(self.modules)
            TEMPLATES.add(template)
        subprocess.run(['createdb', '-T', template, self.db], check=True, capture_output=True)
        shutil.copytree(STATE / 'filestore' / 'filestore' / template, self._filestore(), dirs_exist_ok=True)

    def _filestore(self):
        return STATE / 'filestore' / 'filestore' / self.db

    def install(self, modules):
        # stderr only holds Odoo's "running as root" notice; the log file holds the rest.
        subprocess.run([*self._odoo(), '-i', modules, '--stop-after-init'], check=True, stderr=subprocess.DEVNULL)

    def shell(self, script):
        """Run Python in `odoo shell` on the database; return what it printed."""
        result = subprocess.run(
            [*self._odoo('shell'), '--no-http'], input=script, capture_output=True, text=True, check=True
        )
        return result.stdout

    def run(self, program, **args):
        """Run `main(env, **args)` of support/shell/<program>.py in `odoo shell` on the database
        (setup/ importable: the provider setup the demo uses); return what it printed."""
        paths = [str(PROGRAMS), str(PROGRAMS.parents[2] / 'setup')]
        return self.shell(RUNNER.format(paths=paths, program=str(PROGRAMS / f'{program}.py'), args=json.dumps(args)))

    def run_result(self, program, **args):
        """Run a program that ends with `print('RESULT=' + json.dumps(...))`; return that value."""
        return json.loads(re.search(r'^RESULT=(.*)$', self.run(program, **args), re.M).group(1))

    def run_cron(self, xmlid='invoicecloud_payments.cron_confirm_payments', times=1):
        """Run a scheduled action now, as Odoo's cron runner would, and commit."""
        self.run('run_cron', xmlid=xmlid, times=times)

    def checks_due(self):
        """Time passes for the confirmation cron: every check it planned is due now (it asks a
        transaction ten minutes after its checkout opened, then less and less often)."""
        self.run('checks_due')

    def record_payments(self):
        """What Odoo's cron runner does at once when webhooks have confirmed payments: record them
        in the accounts. Returns {payments recorded, seconds, per_payment_ms}."""
        return self.run_result('record_payments')

    def start(self):
        """Serve over HTTP. No cron thread: a scheduled action runs when a test runs it (`run_cron`),
        never in the middle of what a test measures or checks (Odoo's autovacuum, due at the
        first start of a new database, would otherwise run while a test works on it)."""
        args = [
            *self._odoo(), '--http-port', str(self.port),
            '--db-filter', f'^{self.db}$', '--max-cron-threads=0', *self.options,
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f'{self.url}/web/login', timeout=30).status_code == 200:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or still loading (a busy machine)
            time.sleep(0.5)
        raise RuntimeError(f"Odoo did not answer on {self.url}; see {self.log}")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def drop(self):
        subprocess.run(['dropdb', '--if-exists', '--force', self.db], check=True, capture_output=True)
        shutil.rmtree(self._filestore(), ignore_errors=True)


TEMPLATES = set()


def drop_templates():
    for template in TEMPLATES:
        subprocess.run(['dropdb', '--if-exists', '--force', template], check=True, capture_output=True)
        shutil.rmtree(STATE / 'filestore' / 'filestore' / template, ignore_errors=True)
    TEMPLATES.clear()
