"""Realtime notifications: a signed poke to each subscriber of a geography with new media."""

import json
import time

import requests
from django.conf import settings

from ingest.sources.instagram.signatures import sign_sha1

from .models import RealtimeSubscription

TIMEOUT = 5  # seconds


class Notifier:
    """Posts notifications as Instagram did: a JSON list of updates, X-Hub-Signature over it."""

    def __init__(self):
        self.session = requests.Session()
        self.sent = 0
        self.errors = 0
        self.last_error = ""

    def notify(self, subscription: RealtimeSubscription) -> bool:
        """Tell one subscriber its geography has new media; False (counted) when it failed."""
        update = {
            "subscription_id": str(subscription.pk),
            "object": "geography",
            "object_id": str(subscription.geography_id),
            "changed_aspect": "media",
            "time": int(time.time()),
        }
        body = json.dumps([update]).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Hub-Signature": sign_sha1(body, settings.INSTAGRAM_CLIENT_SECRET),
        }
        try:
            response = self.session.post(
                subscription.callback_url, data=body, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as error:
            return self._failed(f"{subscription.callback_url}: {type(error).__name__}")
        if not 200 <= response.status_code < 300:
            return self._failed(f"{subscription.callback_url}: HTTP {response.status_code}")
        self.sent += 1
        return True

    def _failed(self, reason: str) -> bool:
        self.errors += 1
        self.last_error = reason
        return False
