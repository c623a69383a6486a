"""What the fake providers share: state switches, webhook threads, the HTTP plumbing, the server."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    """State common to the fakes. Tests flip the failure switches between calls."""

    def __init__(self):
        self.lock = threading.RLock()
        self.base_url = None
        self.requests = []  # (method, path, Idempotency-Key) of every API call
        self.deliveries = []  # (what, HTTP status) of every webhook sent; 0: no answer
        self.fail_next = []  # status codes for the next API calls
        self.delay = 0.0  # seconds before each API answer
        self.hangs_ended = 0  # calls held by `delay` that got to their answer: tests check the
        # customer was answered before the provider (an order of events, not a time)
        self.drop_webhooks = False
        self._threads = []

    def _in_background(self, target, *args):
        """Webhooks leave after the answer, as at the real providers."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait_for_webhooks(self, timeout=30):
        deadline = time.time() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.time()))


class FakeHandler(BaseHTTPRequestHandler):
    """HTTP plumbing; subclasses implement `_handle(method)`."""

    fake = None
    content_type = 'application/json'

    def log_message(self, format, *args):
        pass  # quiet: the tests read their own output

    def _send(self, status, body, content_type=None, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', content_type or self.content_type)
        self.send_header('Content-Length', str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        # the client may have given up waiting (the tests make the fake hang on purpose)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def _body(self):
        return self.rfile.read(int(self.headers.get('Content-Length') or 0)).decode()

    def _api_call_starts(self, method, path):
        """Record the call and apply `delay`; returns the status to fail it with, or None."""
        self.fake.requests.append((method, path, self.headers.get('Idempotency-Key')))
        # Taken before a hang: a call that wakes up later must not take the next test's failure.
        failure = self.fake.fail_next.pop(0) if self.fake.fail_next else None
        if self.fake.delay:
            time.sleep(self.fake.delay)
            self.fake.hangs_ended += 1
        return failure

    def do_GET(self):
        self._handle('GET')

    def do_POST(self):
        self._handle('POST')

    def do_DELETE(self):
        self._handle('DELETE')


class FakeServer:
    """A fake on a free port of 127.0.0.1, in a thread: ``with StripeServer() as fake: ...``."""

    def __init__(self, fake, handler_class, port=0):
        self.fake = fake
        handler = type(f'Bound{handler_class.__name__}', (handler_class,), {'fake': fake})
        self.httpd = ThreadingHTTPServer(('127.0.0.1', port), handler)
        self.httpd.daemon_threads = True
        self.url = f'http://127.0.0.1:{self.httpd.server_address[1]}'
        fake.base_url = self.url
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self.fake

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
