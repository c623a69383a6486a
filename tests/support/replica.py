"""A PostgreSQL streaming replica of the test cluster, on loopback, as a business scales out with
PostgreSQL's own replication: `pg_basebackup -R` from the running primary, started as a hot
standby on its own port and socket. It logs every statement with its database, so that a test
can tell which requests reached it (`statements`)."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import psycopg2

from odoo_server import free_port

# Statement lines of the replica's log: "<time> UTC [pid] <database> LOG:  duration: ... statement: ..."
STATEMENT_RE = re.compile(r'^\S+ \S+ \S+ \[\d+\] (\S*) LOG:  duration: [\d.]+ ms  (?:statement|execute [^:]*): (.*)$')


def _as_postgres(args):
    """PostgreSQL's programs refuse to run as root: as root, run them as the cluster's owner."""
    return ['runuser', '-u', 'postgres', '--', *args] if os.getuid() == 0 else args


class StreamingReplica:
    def __init__(self):
        primary = psycopg2.connect(
            dbname='postgres', host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER']
        )
        with primary, primary.cursor() as cr:
            cr.execute('SHOW data_directory')
            self.primary_data = Path(cr.fetchone()[0])
        primary.close()
        self.dir = self.primary_data.parent / 'replica'
        self.data = self.dir / 'data'
        self.socket = self.dir / 'run'
        self.log = self.dir / 'replica.log'
        self.port = free_port()

    def __enter__(self):
        self.stop_and_remove()
        subprocess.run(_as_postgres(['mkdir', '-p', str(self.socket)]), check=True)
        subprocess.run(
            _as_postgres([
                'pg_basebackup', '-h', os.environ['PGHOST'], '-p', os.environ['PGPORT'], '-U', os.environ['PGUSER'],
                '-D', str(self.data), '-R', '-X', 'stream', '--no-sync', '-c', 'fast',
            ]),
            check=True, capture_output=True, cwd='/',
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.socket} -c listen_addresses='' -c hot_standby=on -c fsync=off "
            "-c log_min_duration_statement=0 -c log_line_prefix='%m [%p] %d ' -c max_connections=200"
        )
        subprocess.run(
            _as_postgres(['pg_ctl', '-D', str(self.data), '-l', str(self.log), '-w', '-o', options, 'start']),
            check=True, capture_output=True, cwd='/',
        )  # fmt: skip
        return self

    def __exit__(self, *exc):
        self.stop_and_remove()

    def stop_and_remove(self):
        if (self.data / 'PG_VERSION').exists():
            subprocess.run(
                _as_postgres(['pg_ctl', '-D', str(self.data), '-m', 'fast', 'stop']), capture_output=True, cwd='/'
            )
        shutil.rmtree(self.dir, ignore_errors=True)

    def odoo_options(self):
        return ['--db_replica_host', str(self.socket), '--db_replica_port', str(self.port)]

    def query(self, db, sql):
        connection = psycopg2.connect(dbname=db, host=str(self.socket), port=self.port, user=os.environ['PGUSER'])
        try:
            with connection.cursor() as cr:
                cr.execute(sql)
                return cr.fetchall()
        finally:
            connection.close()

    def caught_up(self, db, timeout=30):
        """Wait until the replica has replayed everything the primary wrote so far."""
        primary = psycopg2.connect(
            dbname=db, host=os.environ['PGHOST'], port=os.environ['PGPORT'], user=os.environ['PGUSER']
        )
        with primary, primary.cursor() as cr:
            cr.execute('SELECT pg_current_wal_lsn()')
            target = cr.fetchone()[0]
        primary.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(db, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
                return
            time.sleep(0.1)
        raise RuntimeError("the replica did not catch up")

    def mark(self, db, name):
        """A line in the replica's log that `statements` counts from."""
        self.query(db, f"SELECT 'invoicecloud-mark-{name}'")

    def statements(self, db, since_mark):
        """The statements the replica ran for `db` since `mark(db, since_mark)` (Odoo's and ours)."""
        lines = self.log.read_text(errors='replace').splitlines()
        start = max(i for i, line in enumerate(lines) if f'invoicecloud-mark-{since_mark}' in line)
        found = []
        for line in lines[start + 1 :]:
            match = STATEMENT_RE.match(line)
            if match and match.group(1) == db and 'invoicecloud-mark-' not in match.group(2):
                found.append(match.group(2))
        return found
