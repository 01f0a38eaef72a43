"""Who is asking: the one place that decides a request's client address.

Throttles and login lockouts count per address, so the address must be one a client cannot pick.
X-Forwarded-For is written by the client first and appended to by each proxy; only the entries
added by our own proxies (settings.TRUSTED_PROXIES of them, counted from the right) can be trusted.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client, as far as the TRUSTED_PROXIES in front of the site vouch for it.

    With no trusted proxy (the default) this is the connection's own address, REMOTE_ADDR; with N,
    it is the N-th entry of X-Forwarded-For from the right (the left-most if there are fewer), the
    one the outermost trusted proxy saw. A header that is missing or not an address there falls
    back to REMOTE_ADDR.
    """
    remote_address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote_address
    entries = [entry.strip() for entry in forwarded.split(",")]
    candidate = entries[-min(proxies, len(entries))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote_address
