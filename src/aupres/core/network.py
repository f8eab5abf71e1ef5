"""The client's address, as seen through AUPRES_PROXY_COUNT reverse proxies (docs/security.md).

Each proxy appends the address it received the request from to X-Forwarded-For; with N proxies of ours in
front, the client is the N-th address from the right (what a client writes itself stands further left
and is ignored). Without proxies (or a header too short to have passed them), REMOTE_ADDR; None when the
request carries no address at all (django-axes stores it in an address column)."""

import ipaddress

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count and _is_address(hops[-count]):
            return hops[-count]
    return remote[:64] if remote else None


def _is_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
