"""The only modules that import the providers' SDKs. Plain values in, plain data out, no ORM."""

from .errors import ProviderError, ProviderRefused, ProviderUnavailable
