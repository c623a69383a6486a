"""Debian's Chromium, as the browser tests launch it."""

CHROMIUM = '/usr/bin/chromium'
# Without these, Chromium calls Google services, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
]
