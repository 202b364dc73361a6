"""`manage.py relay` whose deliver announces its batch and then hangs.

A test starts this as the relay process, waits for the announcement and kills
it with SIGKILL: the batch was received but never completed.
Usage: python -m tests.ingest.blocking_relay <announcement file>
"""

import asyncio
import json
import os
import sys
from pathlib import Path

import django


def main(announcement: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wazstagram.settings")
    django.setup()
    from django.core.management import call_command

    from ingest import relay
    from ingest.events import event_id

    async def announce_and_hang(events):
        partial = announcement.with_suffix(".partial")
        await asyncio.to_thread(partial.write_text, json.dumps([event_id(e) for e in events]))
        os.replace(partial, announcement)
        await asyncio.Event().wait()

    relay.deliver = announce_and_hang
    call_command("relay")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
