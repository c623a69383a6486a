"""The address the test shops give themselves: public-looking, as a business's Odoo has.

Mollie refuses a ``webhookUrl`` it cannot reach (localhost, private networks), so a shop on
127.0.0.1 would send none and no Mollie webhook would ever be sent, lost or repeated. The shops
call themselves ``http://shop.invoicecloud.test:<port>``; the fake Mollie delivers there through
its tunnel (``FakeMollie.tunnels``), as ngrok would, and this process and Chromium resolve the name
to loopback, as the business's DNS would resolve it to the shop.
"""

import socket

PUBLIC_HOST = 'shop.invoicecloud.test'
# For Chromium (the browser tests): the same name to the same place.
CHROMIUM_RESOLVER_ARG = f'--host-resolver-rules=MAP {PUBLIC_HOST} 127.0.0.1'


def public_url(odoo):
    """The shop's public-looking base URL (web.base.url), same port as its loopback one."""
    return f'http://{PUBLIC_HOST}:{odoo.port}'


_system_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    return _system_getaddrinfo('127.0.0.1' if host == PUBLIC_HOST else host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
