"""An SMTP server on 127.0.0.1 that keeps every message it receives (the mail never leaves)."""

import email
import email.policy
import socketserver
import threading


class _Session(socketserver.StreamRequestHandler):
    """Just enough SMTP for Odoo's smtplib client: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def _reply(self, line):
        self.wfile.write(f'{line}\r\n'.encode())

    def handle(self):
        self._reply('220 sink ESMTP')
        recipients = []
        while line := self.rfile.readline():
            command = line.decode('ascii', 'replace').strip()
            verb = command[:4].upper()
            if verb == 'EHLO':
                self._reply('250-sink')
                self._reply('250 8BITMIME')
            elif verb in ('HELO', 'MAIL', 'RSET', 'NOOP'):
                recipients = [] if verb in ('MAIL', 'RSET') else recipients
                self._reply('250 OK')
            elif verb == 'RCPT':
                recipients.append(command.split(':', 1)[1].strip(' <>'))
                self._reply('250 OK')
            elif verb == 'DATA':
                self._reply('354 End data with <CR><LF>.<CR><LF>')
                lines = []
                while (data := self.rfile.readline()) not in (b'.\r\n', b'.\n', b''):
                    lines.append(data[1:] if data.startswith(b'..') else data)
                message = email.message_from_bytes(b''.join(lines), policy=email.policy.default)
                self.server.messages.append((recipients, message))
                self._reply('250 OK: queued')
            elif verb == 'QUIT':
                self._reply('221 Bye')
                return
            else:
                self._reply('502 Command not implemented')


class SmtpSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port=0):
        super().__init__(('127.0.0.1', port), _Session)
        self.messages = []  # (recipients, email.message.EmailMessage)
        self.port = self.server_address[1]

    def __enter__(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def html_to(self, address):
        """The HTML bodies of the messages sent to `address`."""
        return [
            message.get_body(preferencelist=('html',)).get_content()
            for recipients, message in self.messages
            if address in recipients
        ]
