"""The moderation desk: its page, its decisions over HTTP and its live websocket.

For staff with the moderation permission (the "Moderators" group gives it and no other
admin right). The page gets the queue and the latest shown photos; the websocket keeps
both live from every node (photos joining the queue, other moderators' decisions, what
the wall shows); decisions are POSTed, one request for a selection.
"""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from . import decisions
from .consumers import CLOSE_RECONNECT
from .frames import frame_of, photo_frame
from .groups import ALL_CITIES, city_group, desk_group
from .history import city_is_live, latest_messages
from .hub import current_hub
from .models import City, Photo
from .recent import RecentIds

PERMISSION = "feed.moderate_photo"
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_CITY = 4404
QUEUE_SIZE = 200
MAX_SELECTION = 100


def may_moderate(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(PERMISSION))


def waiting_messages(slug: str, limit: int = QUEUE_SIZE) -> list[dict]:
    """The queue, oldest first (the order moderators work through it), with the reasons."""
    photos = Photo.objects.filter(waiting=True).select_related("city").order_by("pk")
    if slug != ALL_CITIES:
        photos = photos.filter(city__slug=slug)
    return [photo.to_queue_message() for photo in photos[:limit]]


@staff_member_required
def desk(request, slug=ALL_CITIES):
    if not may_moderate(request.user):
        raise PermissionDenied("the moderation desk is for moderators")
    if not city_is_live(slug):
        raise Http404("no such city")
    cities = City.objects.filter(active=True)
    return render(
        request,
        "feed/desk.html",
        {
            "slug": slug,
            "cities": cities,
            "city": cities.filter(slug=slug).first(),
            "waiting": waiting_messages(slug),
            "shown": latest_messages(slug),
        },
    )


@staff_member_required
@require_POST
def decide(request):
    """{"action": "approve"|"reject"|"pin"|"unpin"|"block"|"undo", "ids": [...], "reason"}."""
    if not may_moderate(request.user):
        raise PermissionDenied("decisions are for moderators")
    try:
        body = json.loads(request.body)
        action, ids = body["action"], body.get("ids", [])
        reason = str(body.get("reason", ""))[:200]
        if not isinstance(ids, list) or len(ids) > MAX_SELECTION:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "a JSON object with action and ids"}, status=400)
    if action == "undo":
        try:
            decision = decisions.undo(request.user)
        except decisions.Refused as refused:
            return JsonResponse({"results": [{"id": None, "ok": False, "message": str(refused)}]})
        return JsonResponse({"results": [{"id": decision.media_id, "ok": True, "message": ""}]})
    photos = {p.media_id: p for p in Photo.objects.filter(media_id__in=ids).select_related("city")}
    results = []
    for photo_id in ids:
        photo = photos.get(photo_id)
        if photo is None:
            results.append({"id": photo_id, "ok": False, "message": "no such photo"})
            continue
        try:
            decisions.decide(action, photo, request.user, reason)
        except decisions.Refused as refused:
            results.append({"id": photo_id, "ok": False, "message": str(refused)})
        else:
            results.append({"id": photo_id, "ok": True, "message": ""})
    return JsonResponse({"results": results})


class DeskConsumer(AsyncWebsocketConsumer):
    """A desk's live view: the queue and the wall of one city, or of all of them."""

    channel_layer_alias = None  # frames come through the process's hub

    async def connect(self):
        self.slug = self.scope["url_route"]["kwargs"]["slug"]
        self.outboxes = []
        await self.accept()
        if not await database_sync_to_async(may_moderate)(self.scope.get("user")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if not await database_sync_to_async(city_is_live)(self.slug):
            await self.close(code=CLOSE_UNKNOWN_CITY)
            return
        hub = current_hub()
        # The queue and the wall each remember what they showed: an approved photo leaves
        # the one and joins the other.
        queue, wall = RecentIds(4 * QUEUE_SIZE), RecentIds(4 * QUEUE_SIZE)
        for group, sent in ((desk_group(self.slug), queue), (city_group(self.slug), wall)):
            outbox = await hub.join(group, self.send_frame, self.reconnect, sent, "desk")
            self.outboxes.append((group, outbox))
        waiting = await database_sync_to_async(waiting_messages)(self.slug)
        shown = await database_sync_to_async(latest_messages)(self.slug)
        await self.send(text_data=json.dumps({"type": "queue", "photos": waiting}))
        for message in waiting:
            queue.add(message["id"])
        frames = [photo_frame(m) for m in shown if wall.add(m["id"])]
        if frames:
            await self.send(text_data=frame_of(frames))

    async def disconnect(self, code):
        hub = current_hub()
        for group, outbox in self.outboxes:
            await hub.leave(group, outbox)
        self.outboxes = []

    async def send_frame(self, frame: str):
        await self.send(text_data=frame)

    async def reconnect(self):
        await self.close(code=CLOSE_RECONNECT)
