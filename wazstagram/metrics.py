"""What operators watch, in the Prometheus text format at /metrics.

Counters and gauges live in each process; under `manage.py serve` with several workers
prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set by `serve`) adds
them up at each scrape. Figures the database knows (photos waiting for the outbox, the
sources' cursors) are read when scraped. Hot paths count once per batch, not per frame.
"""

from prometheus_client import Counter, Gauge, Histogram

OPEN_PAGES = Gauge(
    "wazstagram_open_pages",
    "Open live pages (websockets), per city stream",
    ["city"],
    multiprocess_mode="livesum",
)
FRAMES_SENT = Counter("wazstagram_frames_sent", "Frames handed to open pages")
FRAMES_DROPPED = Counter("wazstagram_frames_dropped", "Frames dropped for slow pages")
HISTORY_QUERIES = Counter(
    "wazstagram_history_queries",
    "Reads of a stream's latest photos from the database (what the process's cache lacked)",
)
HUB_BATCHES = Counter("wazstagram_hub_batches", "Bursts of frames the hubs sent out together")
NOTIFICATIONS = Counter(
    "wazstagram_notifications", "Callback requests, by source and answer", ["source", "result"]
)
FETCHES = Counter(
    "wazstagram_fetches", "Fetches and polls of a source, by outcome", ["source", "result"]
)
FETCH_SECONDS = Histogram(
    "wazstagram_fetch_seconds", "Time a fetch or poll of a source took", ["source"]
)
SOURCE_ITEMS = Counter(
    "wazstagram_source_items",
    "What the running sources did: photos, retracted, skipped, errors",
    ["source", "outcome"],
)
PUBLISH_SECONDS = Histogram("wazstagram_bus_publish_seconds", "Time the bus took to accept")
PUBLISH_FAILURES = Counter("wazstagram_bus_publish_failures", "Batches the bus refused")
RELAY_BATCHES = Counter("wazstagram_relay_batches", "Batches relayed to the channel layer")
RELAY_EVENTS = Counter("wazstagram_relay_events", "Events relayed to the channel layer")
RELAY_LAG = Histogram(
    "wazstagram_relay_lag_seconds",
    "From the bus accepting a photo to its relay into the channel layer",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
