"""The garbage collector of a long-running server process: no full collections under load.

A process with a thousand open websockets holds a few hundred thousand
long-lived objects, and Python's full (generation 2) collection walks them
all: 90-170 ms on the project's machine, about every second while photos
stream in, with every page of the process waiting (bench/RESULTS.md, End to
end). What exists once the application is loaded (Django, the apps, the URL
conf) lives as long as the process, so `gc.freeze()` takes it out of every
later collection. Higher thresholds make young collections rarer, so the
short-lived objects of a frame (its writer task, its coroutine) die by
reference count before a collection could promote them, and full collections
come minutes apart instead of every second.
"""

import gc

# Young collection after 10,000 net allocations (Python: 700); generation 1 after 50
# young ones (10), generation 2 after 100 of those (10).
DEFAULT_THRESHOLDS = (10_000, 50, 100)


def tune(thresholds: tuple[int, ...]) -> None:
    """Freeze what the process has loaded and collect with `thresholds`; empty: Python's way."""
    if not thresholds:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
