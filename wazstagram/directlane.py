"""A lane past Django's request path, for machine endpoints called many times a second.

Under ASGI every Django request runs the middleware chain (WhiteNoise's is sync
only) and the request signals in a thread started for it: about 5 ms of CPU on
a small machine, more than all the Instagram callback's own work, which
Instagram may call a hundred times a second. A view marked `served_directly`
is an async view that needs no session, user, CSRF token or page headers; for
its URLs the lane builds Django's request itself, refuses a host not in
ALLOWED_HOSTS (400), applies SecurityMiddleware (the HTTPS redirect and its
headers) and awaits the view on the event loop, with no thread. Every other
request goes to Django's handler, which (with its test client) serves the
marked views as well.
"""

import logging
from collections.abc import Callable
from io import BytesIO

from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseServerError
from django.middleware.security import SecurityMiddleware
from django.urls import Resolver404, resolve

logger = logging.getLogger(__name__)
# Where Django's own handler reports a refused host.
host_logger = logging.getLogger("django.security.DisallowedHost")


def served_directly(max_body: Callable[[], int]):
    """Mark an async view for the lane; it is handed at most `max_body()` + 1 bytes of body.

    It answers every outcome itself (a 404 too): anything it raises is a 500.

    Outermost decorator: Django's view decorators copy the mark from the function they wrap.
    """

    def mark(view):
        view.direct_max_body = max_body
        return view

    return mark


class DirectLane:
    """ASGI HTTP app: marked views on the loop, every other request to `django_app`."""

    def __init__(self, django_app):
        self.django_app = django_app

    async def __call__(self, scope, receive, send):
        match = _marked_view(scope)
        if match is None:
            return await self.django_app(scope, receive, send)
        view, kwargs = match
        body = await _body(receive, view.direct_max_body())
        if body is None:
            return  # the client went away before its request was complete
        response = await self._respond(ASGIRequest(scope, BytesIO(body)), view, kwargs)
        await _send(send, response)

    async def _respond(self, request, view, kwargs) -> HttpResponse:
        try:
            request.get_host()
        except DisallowedHost as error:
            host_logger.error("%s", error)
            return HttpResponseBadRequest("bad host", content_type="text/plain")
        # Built per request (a few settings reads) so that a changed setting counts, as it
        # does for Django's test client, which builds its handler anew.
        security = SecurityMiddleware(lambda request: None)
        response = security.process_request(request)
        if response is None:
            try:
                response = await view(request, **kwargs)
            except Exception:
                logger.exception("%s %s failed", request.method, request.path)
                response = HttpResponseServerError("server error", content_type="text/plain")
        return security.process_response(request, response)


def _marked_view(scope):
    """The marked view serving this request and its URL arguments, or None."""
    path = scope["path"]
    script_name = get_script_prefix(scope)
    try:
        match = resolve(path.removeprefix(script_name) if script_name else path)
    except Resolver404:
        return None
    if not hasattr(match.func, "direct_max_body"):
        return None
    return match.func, match.kwargs


async def _body(receive, limit: int) -> bytes | None:
    """The request's body, cut once it is over `limit` bytes; None if the client left."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit or not message.get("more_body"):
            return b"".join(chunks)


async def _send(send, response: HttpResponse) -> None:
    headers = [(name.encode("latin1"), value.encode("latin1")) for name, value in response.items()]
    headers.append((b"content-length", str(len(response.content)).encode()))
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": response.content})
