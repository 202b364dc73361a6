"""Running the poll and stream sources side by side until told to stop.

Each source's `run` gets its own Run (stop signal, counters). Every REPORT_INTERVAL a line
says what each source did since the last one; a liveness file, when asked for, is touched
while the runner's loop is alive. On stop each source finishes what it has in hand.
"""

import asyncio
import logging
from collections import Counter
from pathlib import Path

from ..background import ensure_running
from . import PhotoSource, runnable
from .run import ERRORS, PHOTOS, RETRACTED, SKIPPED, Run

logger = logging.getLogger(__name__)

STOP_GRACE = 10.0  # seconds a source has to finish after stop, then it is cancelled


async def run_sources(
    sources: list[PhotoSource],
    stop: asyncio.Event,
    report_interval: float = 60.0,
    liveness_file: Path | None = None,
    liveness_interval: float = 5.0,
) -> dict[str, Counter]:
    """Run `sources` until `stop`; each one's counts over the whole run."""
    runs = [Run(source.name) for source in sources]
    tasks = [
        asyncio.create_task(_supervised(source, run), name=f"source-{source.name}")
        for source, run in zip(sources, runs, strict=True)
    ]
    helpers = [asyncio.create_task(_report(runs, report_interval, stop))]
    if liveness_file:
        helpers.append(asyncio.create_task(_touch(liveness_file, liveness_interval, stop)))
    await stop.wait()
    for run in runs:
        run.stop.set()
    done, pending = await asyncio.wait(tasks, timeout=STOP_GRACE)
    for task in pending:
        logger.warning("%s did not stop within %.0f s; cancelled", task.get_name(), STOP_GRACE)
        task.cancel()
    for task in helpers:
        task.cancel()
    await asyncio.gather(*pending, *helpers, return_exceptions=True)
    return {run.name: run.counts for run in runs}


async def _supervised(source: PhotoSource, run: Run) -> None:
    """The source's run, started again (after a pause) should it ever crash."""
    while not run.stop.is_set():
        try:
            await source.run(run)
        except Exception:
            run.count(ERRORS)
            logger.exception("%s crashed; starting it again in 5 s", source.name)
            await run.sleep(5.0)


async def _report(runs: list[Run], interval: float, stop: asyncio.Event) -> None:
    last = {run.name: Counter() for run in runs}
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
        for run in runs:
            now = Counter(run.counts)
            logger.info(
                "%s: %s", run.name, describe(now - last[run.name]), extra={"source": run.name}
            )
            last[run.name] = now


def describe(counts: Counter) -> str:
    return (
        f"{counts[PHOTOS]} photos, {counts[RETRACTED]} retracted, "
        f"{counts[SKIPPED]} items skipped, {counts[ERRORS]} errors"
    )


async def _touch(path: Path, interval: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        await asyncio.to_thread(path.touch)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass


def ensure_in_process_sources() -> None:
    """Run the poll and stream sources on the web process's loop (once per loop)."""
    ensure_running("sources", lambda: run_sources(runnable(), asyncio.Event()))
