"""Long-running tasks of a web process, started on the server's event loop.

The ASGI server owns the loop, so a task starts with the first connection and
lives as long as that loop. A task that ended (it crashed) starts again with
the next connection; its exception is logged, not lost.
"""

import asyncio
import logging
import weakref
from collections.abc import Callable, Coroutine

logger = logging.getLogger(__name__)

_tasks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ensure_running(name: str, start: Callable[[], Coroutine]) -> None:
    """Run `start()` as task `name` on the running loop, unless it already runs there."""
    loop = asyncio.get_running_loop()
    tasks = _tasks.setdefault(loop, {})
    task = tasks.get(name)
    if task is None or task.done():
        tasks[name] = task = loop.create_task(start(), name=name)
        task.add_done_callback(_log_end)
        logger.info("%s started", name)


async def repeat(work: Callable[[], int], interval: float, stop: asyncio.Event) -> int:
    """Run `work` in a thread every `interval` seconds until `stop`; the sum of its counts.

    `work` must not raise (it logs its own failures): a pass that failed is simply tried
    again `interval` seconds later.
    """
    total = 0
    while not stop.is_set():
        total += await asyncio.to_thread(work)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
    return total


def _log_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("%s stopped", task.get_name(), exc_info=task.exception())
