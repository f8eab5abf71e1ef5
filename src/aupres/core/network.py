"""The client's address, as seen through AUPRES_PROXY_COUNT reverse proxies (docs/security.md).

Each proxy appends the address it received the request from to X-Forwarded-For; with N proxies of ours in
front, the client is the N-th address from the right (what a client writes itself stands further left
and is ignored). Without proxies (or a header too short to have passed them), REMOTE_ADDR."""

from django.conf import settings


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    count = getattr(settings, "PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count][:64]
    return remote[:64]
