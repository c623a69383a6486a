"""Errors a gateway raises, whatever the SDK behind it, so models can tell the customer the right thing.

Their text reaches the transaction's state message and the log: a secret an SDK quotes in its
message (Mollie's "Invalid API key: '...'") is redacted when the error is made."""

import re

# A quoted key or token, as Mollie's SDK quotes it, whatever its shape.
_QUOTED_SECRET_RE = re.compile(r"((?:API key|access token|secret|key)\s*:?\s*)'[^']*'", re.IGNORECASE)
# Keys and secrets by their providers' prefixes: Stripe's sk_/rk_/pk_ keys and whsec_ secrets,
# Mollie's test_/live_ API keys and access_ tokens.
_PREFIXED_SECRET_RE = re.compile(r'\b((?:sk|rk|pk)_(?:test|live)_|whsec_|test_|live_|access_)[A-Za-z0-9]{8,}')
REDACTED = '<redacted>'


def redact_secrets(text):
    """`text` with every API key, token or signing secret it quotes replaced by <redacted>."""
    text = _QUOTED_SECRET_RE.sub(lambda match: f"{match.group(1)}'{REDACTED}'", str(text))
    return _PREFIXED_SECRET_RE.sub(lambda match: f'{match.group(1)}{REDACTED}', text)


class ProviderError(Exception):
    """A call to a payment provider did not give an answer we can use."""

    def __init__(self, message=''):
        super().__init__(redact_secrets(message))


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or answered with a server error: try again later."""


class ProviderRefused(ProviderError):
    """The provider understood the request and refused it (bad key, invalid parameters)."""
