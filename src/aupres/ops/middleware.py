"""The first middleware: request id, one log line and the metrics of each request (aupres/ops/logs.py)."""

import logging
import re
import time
import uuid

from aupres.ops import logs, metrics

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
request_logger = logging.getLogger("aupres.request")


class RequestLogMiddleware:
    """First middleware: the request id, one JSON line per request, and the request metrics."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = logs.start(request_id, request)
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            response["X-Request-ID"] = request_id
            return response
        finally:
            duration = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = match.view_name if match else ""
            if not request.path.startswith("/static/"):
                metrics.observe_request(request.method, route, status, duration)
            ms = round(duration * 1000, 1)
            request_logger.info("%s %s %s %s ms", request.method, request.path[:200], status, ms,
                                extra={"method": request.method, "path": request.path[:200], "route": route,
                                       "status": status, "duration_ms": ms})
            logs.end(token)
