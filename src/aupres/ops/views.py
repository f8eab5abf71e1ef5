"""The operator's endpoints: `/ops/health/` and `/ops/metrics/`.

Neither shows anything about a person, but both tell about the installation: they answer only to a
client on a network of AUPRES_OPS_NETWORKS (default: this machine) or carrying
`Authorization: Bearer <AUPRES_OPS_TOKEN>`; anyone else gets a 404. The client's address is read through
AUPRES_PROXY_COUNT proxies (`core.network.client_ip`), so that, behind the reverse proxy, a visitor from
outside is not taken for the proxy's own address (the proxy also refuses /ops/ from outside:
deploy/nginx/aupres.conf)."""

import hmac
import ipaddress

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from health_check.views import HealthCheckView

from aupres.core.network import client_ip
from aupres.ops import health, metrics


def allowed(request):
    token = settings.AUPRES_OPS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address) if address else None
    except ValueError:
        return False
    return ip is not None and any(ip in ipaddress.ip_network(n, strict=False) for n in settings.AUPRES_OPS_NETWORKS)


class Health(HealthCheckView):
    def get_checks(self):
        for check in health.checks():
            check, options = check if isinstance(check, tuple) else (check, {})
            yield check(**options)

    async def get(self, request, *args, **kwargs):
        if not allowed(request):
            raise Http404
        return await super().get(request, *args, **kwargs)


health_view = login_not_required(Health.as_view())


@login_not_required
@never_cache
def metrics_view(request):
    if not allowed(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type=metrics.CONTENT_TYPE)
