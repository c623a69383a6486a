"""The one place that builds the address of a customer page from its token."""

from .const import HISTORY_PREFIX, ROUTE_PREFIX


def page_path(token, *parts, history=False):
    """The path of a customer page: the invoice page of `token` (or with `history`, the
    customer's history page), then `parts` ('pdf', 'pay', 'payment', ...). None without a token
    (QWeb then leaves the link out)."""
    if not token:
        return None
    return '/'.join((HISTORY_PREFIX if history else ROUTE_PREFIX, token, *parts))
