"""Publish bus events into a live site from outside it: `python -m tests.support.publish`.

Reads one JSON list of bus events per line on stdin; stores each photo event's
photo in the site's database (DATABASE_URL), relays the events into its
channel layer (REDIS_URL) as the site's own relay would, and answers "ok".
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wazstagram.settings")
    django.setup()
    from asgiref.sync import async_to_sync

    from feed.models import City, Photo
    from ingest.events import PHOTO
    from ingest.relay import deliver

    for line in sys.stdin:
        events = json.loads(line)
        for event in events:
            if event["type"] == PHOTO:
                message = event["photo"]
                Photo.from_message(City.objects.get(slug=message["city"]), message).save()
        async_to_sync(deliver)(events)
        print("ok", flush=True)


if __name__ == "__main__":
    main()
