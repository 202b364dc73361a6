"""The Instagram Realtime callback: the hub challenge and signed notifications.

Served on the event loop past Django's middleware (wazstagram.directlane): the
callback needs no session or page headers, and Instagram may call it a hundred
times a second.
"""

import functools
import hmac
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from feed.photo import INSTAGRAM
from ingest import cities
from wazstagram.clientaddress import request_address
from wazstagram.directlane import served_directly
from wazstagram.metrics import NOTIFICATIONS
from wazstagram.ratelimit import RateLimiter

from . import fetcher
from .notifications import InvalidNotification, geography_objects
from .signatures import is_signed

logger = logging.getLogger(__name__)

# Instagram posts JSON; a sender that omits the type is given the benefit of the doubt.
ACCEPTED_CONTENT_TYPES = {"application/json", ""}


@functools.cache
def _limiter(rate: float, burst: int) -> RateLimiter:
    return RateLimiter(rate, burst)


@served_directly(max_body=lambda: settings.INGEST_MAX_BODY)
@csrf_exempt
@require_http_methods(["GET", "POST"])
async def callback(request, slug):
    response = await _answer(request, slug)
    NOTIFICATIONS.labels(INSTAGRAM, str(response.status_code)).inc()
    return response


async def _answer(request, slug):
    address = request_address(request)
    if not _limiter(settings.INGEST_RATE_PER_SECOND, settings.INGEST_RATE_BURST).allow(address):
        logger.warning(
            "callback from %s refused: over the rate limit",
            address,
            extra={"address": address, "source": INSTAGRAM},
        )
        return _try_again_later(429, "too many requests", seconds=1)
    try:
        active = await cities.is_active_on_loop(slug)
    except cities.CitiesUnavailable as error:
        logger.error(
            "callback for %s refused: the database cannot be read (%s)",
            slug,
            error,
            extra={"city": slug, "source": INSTAGRAM},
        )
        return _try_again_later(503, "database unavailable", seconds=30)
    if not active:
        return HttpResponseNotFound("no such city", content_type="text/plain")
    if request.method == "GET":
        return _challenge(request, slug)
    return _notification(request, slug)


def _try_again_later(status: int, reason: str, seconds: int) -> HttpResponse:
    response = HttpResponse(reason, status=status, content_type="text/plain")
    response["Retry-After"] = str(seconds)
    return response


def _challenge(request, slug):
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if request.GET.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), settings.INSTAGRAM_VERIFY_TOKEN.encode()
    ):
        logger.warning(
            "challenge for %s refused: wrong verify token or mode",
            slug,
            extra={"city": slug, "source": INSTAGRAM},
        )
        return HttpResponseForbidden("wrong verify token", content_type="text/plain")
    return HttpResponse(challenge, content_type="text/plain")


def _refuse(slug, status, reason):
    """Answer a rejected notification: a log line for the operator, the reason for the sender."""
    logger.warning(
        "notification for %s refused (%d): %s",
        slug,
        status,
        reason,
        extra={"city": slug, "source": INSTAGRAM},
    )
    return HttpResponse(reason, status=status, content_type="text/plain")


def _notification(request, slug):
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(slug, 400, "bad Content-Length")
    if declared > settings.INGEST_MAX_BODY:
        return _refuse(slug, 413, f"body over {settings.INGEST_MAX_BODY} bytes")
    if request.content_type not in ACCEPTED_CONTENT_TYPES:
        return _refuse(slug, 415, "body must be application/json")
    body = request.read(settings.INGEST_MAX_BODY + 1)
    if len(body) > settings.INGEST_MAX_BODY:
        return _refuse(slug, 413, f"body over {settings.INGEST_MAX_BODY} bytes")
    signed = is_signed(
        body,
        settings.INSTAGRAM_CLIENT_SECRET,
        request.headers.get("X-Hub-Signature"),
        request.headers.get("X-Hub-Signature-256"),
    )
    if not signed:
        return _refuse(slug, 403, "bad or missing signature")
    try:
        objects = geography_objects(body)
    except InvalidNotification as error:
        return _refuse(slug, 400, f"bad notification: {error}")
    if objects:
        fetcher.request_fetch(slug, objects)
    return HttpResponse("ok", content_type="text/plain")
