"""The cities' geography subscriptions at the Instagram API: create, list, delete.

Subscribing is idempotent: a city whose callback URL the API already has keeps
that subscription. The ids the API returns are stored in `Subscription`, whose
cursor survives unsubscribing (media ids are global, the cursor stays valid).
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from feed.models import City
from ingest.models import Subscription

from .client import Client, InstagramError, get_client


@dataclass
class Outcome:
    """What happened to one city."""

    city: str
    ok: bool
    detail: str


def callback_url(slug: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("ingest:callback", args=[slug])


def subscribe(slugs: list[str] = (), client: Client | None = None) -> list[Outcome]:
    """Subscribe every active city, or the named ones; one Outcome per city.

    Raises InstagramError when the API cannot even list the subscriptions.
    """
    client = client or get_client()
    cities = list(
        City.objects.filter(slug__in=slugs) if slugs else City.objects.filter(active=True)
    )
    found = {city.slug for city in cities}
    outcomes = [Outcome(slug, False, "no such city") for slug in slugs if slug not in found]
    existing = {item.get("callback_url"): item for item in client.subscriptions()}
    for city in cities:
        outcomes.append(_subscribe(client, city, existing.get(callback_url(city.slug))))
    return outcomes


def _subscribe(client: Client, city: City, existing: dict | None) -> Outcome:
    if not city.active:
        return Outcome(city.slug, False, "inactive (its callback answers 404)")
    if existing:
        data, verb = existing, "already subscribed"
    else:
        try:
            data = client.create_subscription(
                city.lat,
                city.lng,
                city.radius,
                callback_url(city.slug),
                settings.INSTAGRAM_VERIFY_TOKEN,
            )
        except InstagramError as error:
            return Outcome(city.slug, False, str(error))
        verb = "subscribed"
    instagram_id, object_id = str(data.get("id") or ""), str(data.get("object_id") or "")
    Subscription.objects.update_or_create(
        city=city, defaults={"instagram_id": instagram_id, "object_id": object_id}
    )
    return Outcome(
        city.slug, True, f"{verb}: subscription {instagram_id}, geography {object_id or '?'}"
    )


def list_subscriptions(client: Client | None = None) -> list[dict]:
    """The subscriptions the API has for this client, each with the `city` its callback serves."""
    cities = {callback_url(slug): slug for slug in City.objects.values_list("slug", flat=True)}
    subscriptions = (client or get_client()).subscriptions()
    return [{**item, "city": cities.get(item.get("callback_url"), "")} for item in subscriptions]


def unsubscribe(target: str, client: Client | None = None) -> int:
    """Delete subscription `target` (an id, or "all") at the API and forget its local ids.

    Returns how many local subscriptions were cleared.
    """
    client = client or get_client()
    if target == "all":
        client.delete_all_subscriptions()
        local = Subscription.objects.all()
    else:
        client.delete_subscription(target)
        local = Subscription.objects.filter(instagram_id=target)
    return local.update(instagram_id="", object_id="")
