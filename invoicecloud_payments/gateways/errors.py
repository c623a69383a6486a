"""Errors a gateway raises, whatever the SDK behind it, so models can tell the customer the right thing."""


class ProviderError(Exception):
    """A call to a payment provider did not give an answer we can use."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or answered with a server error: try again later."""


class ProviderRefused(ProviderError):
    """The provider understood the request and refused it (bad key, invalid parameters)."""
