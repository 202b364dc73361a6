"""The source's HTTP side: Instagram's v1 API (JSON with `meta`) and the generated images.

Every API answer carries `meta.code`; a refusal adds `error_type` and
`error_message`, as Instagram's did. Calls are counted per client id against
INSTAGRAM_SOURCE_RATE_LIMIT an hour (429 beyond it).
"""

import functools
import hmac
import math
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from feed.models import City
from wazstagram.ratelimit import RateLimiter

from . import images, places
from .challenge import ChallengeFailed, verify_callback
from .models import Geography, Media, RealtimeSubscription
from .serialize import media_json, subscription_json

MAX_COUNT = 100
DEFAULT_COUNT = 20
MEDIA_ID = re.compile(r"(\d{1,18})(?:_\d{1,18})?")
ONE_YEAR = 365 * 24 * 3600


class Refused(Exception):
    """An API call the source answers with a `meta` error."""

    def __init__(self, code: int, error_type: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.code, self.error_type, self.message = code, error_type, message
        self.headers = headers or {}


def api(view):
    """A v1 endpoint: known client id, within the hourly limit; Refused becomes a meta error."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        params = {**request.GET.dict(), **request.POST.dict()}
        try:
            if params.get("client_id") != settings.INSTAGRAM_CLIENT_ID:
                raise Refused(400, "OAuthClientException", "The client_id provided is invalid")
            _check_rate(params["client_id"])
            return view(request, params, *args, **kwargs)
        except Refused as refusal:
            meta = {"code": refusal.code, "error_type": refusal.error_type}
            response = JsonResponse({"meta": {**meta, "error_message": refusal.message}})
            response.status_code = refusal.code
            for name, value in refusal.headers.items():
                response[name] = value
            return response

    return wrapper


@api
def subscriptions(request, params):
    _check_secret(params)
    if request.method == "POST":
        return _ok(_create_subscription(params))
    if request.method == "GET":
        mine = RealtimeSubscription.objects.filter(client_id=params["client_id"])
        return _ok([subscription_json(s) for s in mine])
    if request.method == "DELETE":
        _delete_subscriptions(params)
        return _ok(None)
    raise Refused(405, "APIMethodError", f"{request.method} is not allowed here")


@api
def recent_media(request, params, object_id):
    if request.method != "GET":
        raise Refused(405, "APIMethodError", f"{request.method} is not allowed here")
    geography = Geography.objects.filter(
        pk=int(object_id) if object_id.isdigit() else None, client_id=params["client_id"]
    ).first()
    if geography is None:
        raise Refused(400, "APINotFoundError", f"geography {object_id} not found")
    count = _int_param(params, "count", DEFAULT_COUNT, 1, MAX_COUNT)
    media = Media.objects.filter(geography=geography).select_related("geography")
    min_id = params.get("min_id", "")
    if min_id:
        match = MEDIA_ID.fullmatch(min_id)
        if not match:
            raise Refused(400, "APIInvalidParametersError", "min_id is not a media id")
        # The oldest `count` newer than min_id, so that following next_min_id misses nothing.
        page = list(media.filter(pk__gt=int(match[1])).order_by("pk")[:count])[::-1]
    else:
        page = list(media.order_by("-pk")[:count])
    next_min_id = page[0].media_id if page else min_id
    return _ok(
        [media_json(item) for item in page],
        pagination={"next_min_id": next_min_id} if next_min_id else {},
    )


@csrf_exempt
def not_found(request):
    meta = {"code": 404, "error_type": "APINotFoundError"}
    return JsonResponse(
        {"meta": {**meta, "error_message": "this endpoint does not exist"}}, status=404
    )


@require_GET
def image(request, place, seed, size):
    if size not in images.SIZES:
        return HttpResponse("no such size", status=404, content_type="text/plain")
    city = City.objects.filter(slug=place).values_list("name", flat=True).first()
    return _svg(images.render(seed, city or place.replace("-", " ").title(), place, size))


@require_GET
def avatar(request, username):
    return _svg(images.avatar(username))


def _svg(document: str) -> HttpResponse:
    """A generated image: the same URL always draws the same picture, so cache it for long."""
    response = HttpResponse(document, content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    # Opened on its own, an SVG is a document: it may run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _ok(data, **extra) -> JsonResponse:
    return JsonResponse({"meta": {"code": 200}, "data": data, **extra})


def _create_subscription(params: dict) -> dict:
    if params.get("object") != "geography":
        raise Refused(400, "APISubscriptionError", "only geography subscriptions are served")
    if params.get("aspect") != "media":
        raise Refused(400, "APISubscriptionError", "aspect must be media")
    lat = _float_param(params, "lat", 90)
    lng = _float_param(params, "lng", 180)
    radius = _int_param(params, "radius", None, 1, 5000)
    callback_url = params.get("callback_url", "")
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused(400, "APIInvalidParametersError", "callback_url must be an http(s) URL")
    verify_token = params.get("verify_token", "")
    try:
        verify_callback(callback_url, verify_token)
    except ChallengeFailed as failure:
        raise Refused(400, "APISubscriptionError", str(failure)) from None
    city = places.city_at(lat, lng, radius)
    geography = Geography.objects.create(
        client_id=params["client_id"],
        lat=lat,
        lng=lng,
        radius=radius,
        place=city.slug if city else "",
        name=city.name if city else f"{lat:.3f}, {lng:.3f}",
    )
    subscription = RealtimeSubscription.objects.create(
        client_id=params["client_id"],
        geography=geography,
        callback_url=callback_url,
        verify_token=verify_token,
    )
    return subscription_json(subscription)


def _delete_subscriptions(params: dict) -> None:
    mine = RealtimeSubscription.objects.filter(client_id=params["client_id"])
    if params.get("object") in ("all", "geography"):
        mine.delete()
    elif params.get("id"):
        target = params["id"]
        if not target.isdigit() or not mine.filter(pk=int(target)).delete()[0]:
            raise Refused(400, "APISubscriptionError", f"No such subscription: {target}")
    else:
        raise Refused(400, "APIInvalidParametersError", "give id=<subscription id> or object=all")


def _check_secret(params: dict) -> None:
    secret = params.get("client_secret", "")
    if not hmac.compare_digest(secret.encode(), settings.INSTAGRAM_CLIENT_SECRET.encode()):
        raise Refused(400, "OAuthClientException", "The client_secret provided is invalid")


def _check_rate(client_id: str) -> None:
    limit = settings.INSTAGRAM_SOURCE_RATE_LIMIT
    if not _limiter(limit).allow(client_id):
        raise Refused(
            429,
            "OAuthRateLimitException",
            f"The maximum number of requests per hour ({limit}) has been exceeded",
            {"Retry-After": str(math.ceil(3600 / limit))},
        )


@functools.cache
def _limiter(limit: int) -> RateLimiter:
    """`limit` calls an hour per client id, as a bucket refilled over the hour (0: no limit)."""
    return RateLimiter(limit / 3600, limit)


def _forget_limiters(setting, **kwargs):
    if setting == "INSTAGRAM_SOURCE_RATE_LIMIT":
        _limiter.cache_clear()


setting_changed.connect(_forget_limiters)


def _int_param(params, name, default, low, high) -> int:
    raw = params.get(name, "")
    if raw == "" and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise Refused(400, "APIInvalidParametersError", f"{name} must be a number") from None
    if value < low or (value > high and name != "count"):
        raise Refused(400, "APIInvalidParametersError", f"{name} must be {low} to {high}")
    return min(value, high)


def _float_param(params, name, bound) -> float:
    try:
        value = float(params.get(name, ""))
    except ValueError:
        raise Refused(400, "APIInvalidParametersError", f"{name} must be a number") from None
    if not -bound <= value <= bound:
        raise Refused(400, "APIInvalidParametersError", f"{name} must be within ±{bound}")
    return value
