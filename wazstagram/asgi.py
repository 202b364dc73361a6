"""ASGI entry point: HTTP (pages, ingest, static files via WhiteNoise) and the live websockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wazstagram.settings")
django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from feed.guard import StreamGuard  # noqa: E402
from feed.retention import ensure_in_process_retention  # noqa: E402
from feed.routing import websocket_urlpatterns  # noqa: E402
from ingest.outbox import ensure_in_process_outbox  # noqa: E402
from ingest.relay import ensure_in_process_relay  # noqa: E402
from ingest.sources import runnable  # noqa: E402
from ingest.sources.runner import ensure_in_process_sources  # noqa: E402
from wazstagram import collector  # noqa: E402
from wazstagram.directlane import DirectLane  # noqa: E402


class BackgroundTasks:
    """Starts this process's relay, outbox, retention and sources on the loop at first use."""

    def __init__(self, app, starters):
        self.app = app
        self.starters = starters

    async def __call__(self, scope, receive, send):
        if scope["type"] != "lifespan":
            for start in self.starters:
                start()
        return await self.app(scope, receive, send)


# Browsers send their page's Origin; only pages of ALLOWED_HOSTS may open the stream,
# and no client may send more, or hold more connections, than a page would.
# The session's user is read only by the routes that ask (feed.routing: the moderation desk).
websocket = AllowedHostsOriginValidator(StreamGuard(URLRouter(websocket_urlpatterns)))
# Machine endpoints (the Instagram callback) skip Django's middleware and its thread.
http = DirectLane(django_http)
application = ProtocolTypeRouter({"http": http, "websocket": websocket})
starters = [ensure_in_process_relay] if settings.RELAY_IN_PROCESS else []
if settings.OUTBOX_INTERVAL > 0:
    starters.append(ensure_in_process_outbox)
if settings.PHOTO_RETENTION_DAYS > 0:
    starters.append(ensure_in_process_retention)
if settings.SOURCES_IN_PROCESS and runnable():
    starters.append(ensure_in_process_sources)
if starters:
    application = BackgroundTasks(application, starters)

# Last: everything loaded so far lives as long as the process.
collector.tune(settings.GC_THRESHOLDS)
