"""Wazstagram settings: the only reader of the environment (and of `.env`).

Every variable is documented in `.env.example`. With nothing set, the project
runs embedded: SQLite, in-memory channel layer, in-process bus and the
built-in Instagram-compatible source.
"""

import socket
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from wazstagram.collector import DEFAULT_THRESHOLDS
from wazstagram.layer import layer_subscription

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless set: a deployment that forgets a variable must not serve debug pages.
# `make run`, the tests and .env.example's development block turn it on.
DEBUG = env.bool("DEBUG", default=False)
# DEBUG as the environment set it, which the test runner's flip of DEBUG leaves alone.
DEBUG_AT_START = DEBUG


def secret(name: str, development_default: str) -> str:
    """A secret from the environment; with DEBUG off there is no default and start-up fails."""
    value = env.str(name, default=development_default if DEBUG else "")
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable (required with DEBUG off)")
    return value


SECRET_KEY = secret("SECRET_KEY", "django-insecure-development-only-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Production hardening: on whenever DEBUG is off (TLS ends at the proxy in front).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Which photo sources run at all (ingest/sources/); each has its settings below.
SOURCES = env.list("SOURCES", default=["instagram"])
# The built-in Instagram-compatible source (a demo, not part of the pipeline): its app,
# URLs and tables exist only when enabled.
INSTAGRAM_SOURCE_ENABLED = env.bool("INSTAGRAM_SOURCE_ENABLED", default=DEBUG)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "feed",
    "ingest",
    "wazstagram",
    *(["ingest.demo"] if INSTAGRAM_SOURCE_ENABLED else []),
]
# Checks an operator knowingly accepts (e.g. wazstagram.E003 for a public demo).
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wazstagram.staticfiles.StaticFilesMiddleware",
    "wazstagram.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

# The admin login is a target: django-axes counts failures per client address and per
# username, locks either out for ADMIN_LOCKOUT_MINUTES after ADMIN_LOGIN_ATTEMPTS failures
# (429) and logs each lock-out; the address is the one TRUSTED_PROXIES saw.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("ADMIN_LOGIN_ATTEMPTS", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("ADMIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "wazstagram.clientaddress.request_address"
AXES_RESET_ON_SUCCESS = True
# The lock-out lines name the address and the username (never the password).
AXES_SENSITIVE_PARAMETERS = []

ROOT_URLCONF = "wazstagram.urls"
ASGI_APPLICATION = "wazstagram.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
if TEST_DATABASE_NAME := env.str("TEST_DATABASE_NAME", default=""):
    # Lets checkouts that share one PostgreSQL server run their suites side by side.
    DATABASES["default"]["TEST"] = {"NAME": TEST_DATABASE_NAME}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Ingest writes from worker threads while pages read: wait instead of failing. With a
    # write-ahead log readers go on during a write and a commit costs no fsync (1 ms each
    # here otherwise, per stored photo); a power cut may lose the last commits, never the file.
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 20)
    sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
# PostgreSQL connections of a process come from a pool of at most DATABASE_POOL_SIZE
# (0: none): with CONN_MAX_AGE 0 every request and every websocket connect would
# otherwise open one, a new server process each.
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=20)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "pool", {"min_size": 1, "max_size": DATABASE_POOL_SIZE, "timeout": 10}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static files: served by the app itself through WhiteNoise (wazstagram/staticfiles.py).
# Production (DEBUG off) serves what `manage.py collectstatic` put in STATIC_ROOT,
# hashed and compressed; development serves the app directories directly.
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "wazstagram.staticfiles.HashedStorage"
    },
}
# Decided at start-up from the environment, not from DEBUG as the test runner flips it.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# Channel layer: Redis when REDIS_URL is set, otherwise in-memory (one process).
# Nodes with the same REDIS_URL and REDIS_PREFIX share one layer.
REDIS_URL = env.str("REDIS_URL", default="")
REDIS_PREFIX = env.str("REDIS_PREFIX", default="asgi")
# Which channels_redis layer: "pubsub" (the default: Redis pushes each message to the node;
# after a lost connection the hub's pages resume) or "core" (Redis lists: four round trips per
# message received; see README, Performance).
REDIS_CHANNEL_LAYER = env.str("REDIS_CHANNEL_LAYER", default="pubsub")
if REDIS_URL and REDIS_CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "wazstagram.pubsublayer.ResumingPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": REDIS_PREFIX},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, exactly the layer's
                # blocking-receive time: every idle consumer would die of "Timeout reading".
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": REDIS_PREFIX,
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Bus: Azure Service Bus when a connection string is set, otherwise in-process.
SERVICEBUS_CONNECTION_STRING = env.str("SERVICEBUS_CONNECTION_STRING", default="")
SERVICEBUS_TOPIC = env.str("SERVICEBUS_TOPIC", default="wazages")
# One subscription per channel layer (wazstagram/layer.py): derived from the Redis
# layer when there is one, otherwise this node's host name.
SERVICEBUS_SUBSCRIPTION = env.str(
    "SERVICEBUS_SUBSCRIPTION",
    default=layer_subscription(REDIS_URL, REDIS_PREFIX, socket.gethostname()),
)
# The in-process bus only exists inside the web process, and an in-memory layer
# only reaches that process's websockets: either way the web process relays itself.
RELAY_IN_PROCESS = env.bool(
    "RELAY_IN_PROCESS", default=not (SERVICEBUS_CONNECTION_STRING and REDIS_URL)
)

# The outbox: each web process publishes again, every OUTBOX_INTERVAL seconds (0: never,
# then run `manage.py publish_pending --loop`), the photos the bus refused that have waited
# OUTBOX_AFTER seconds (younger ones are still being published by their fetch).
OUTBOX_INTERVAL = env.float("OUTBOX_INTERVAL", default=10.0)
OUTBOX_AFTER = env.float("OUTBOX_AFTER", default=30.0)

# Garbage collection of web processes (wazstagram/collector.py): "young,gen1,gen2"
# thresholds, applied after freezing what is loaded at start; empty = Python's defaults.
GC_THRESHOLDS = tuple(env.list("GC_THRESHOLDS", cast=int, default=list(DEFAULT_THRESHOLDS)))
if GC_THRESHOLDS and (len(GC_THRESHOLDS) > 3 or min(GC_THRESHOLDS) < 1):
    raise ImproperlyConfigured("GC_THRESHOLDS: one to three positive numbers, e.g. 10000,50,100")

# Instagram (or the built-in Instagram-compatible source).
INSTAGRAM_API_URL = env.str("INSTAGRAM_API_URL", default=f"{PUBLIC_BASE_URL}/_instagram/v1").rstrip(
    "/"
)
INSTAGRAM_CLIENT_ID = env.str("INSTAGRAM_CLIENT_ID", default="wazstagram-dev")
if "instagram" in SOURCES:
    INSTAGRAM_CLIENT_SECRET = secret("INSTAGRAM_CLIENT_SECRET", "wazstagram-dev-secret")
    INSTAGRAM_VERIFY_TOKEN = secret("INSTAGRAM_VERIFY_TOKEN", "wazstagram-dev-verify")
else:
    INSTAGRAM_CLIENT_SECRET = INSTAGRAM_VERIFY_TOKEN = ""
INSTAGRAM_TIMEOUT = env.float("INSTAGRAM_TIMEOUT", default=10.0)
INSTAGRAM_PAGE_SIZE = env.int("INSTAGRAM_PAGE_SIZE", default=33)
INSTAGRAM_SOURCE_RATE_LIMIT = env.int("INSTAGRAM_SOURCE_RATE_LIMIT", default=5000)
# A fetch the API failed (5xx, 429, timeout) is retried this many times, waiting
# INSTAGRAM_BACKOFF seconds, doubling, or the 429's Retry-After, at most INSTAGRAM_MAX_BACKOFF.
INSTAGRAM_RETRIES = env.int("INSTAGRAM_RETRIES", default=2)
INSTAGRAM_BACKOFF = env.float("INSTAGRAM_BACKOFF", default=1.0)
INSTAGRAM_MAX_BACKOFF = env.float("INSTAGRAM_MAX_BACKOFF", default=30.0)

# Poll and stream sources (Bluesky, Mastodon, Flickr) run in the web process on one machine
# (the in-process bus reaches no other process); with Service Bus, in `manage.py runsources`.
SOURCES_IN_PROCESS = env.bool("SOURCES_IN_PROCESS", default=not SERVICEBUS_CONNECTION_STRING)
# Every source: seconds per HTTP call or connect, and the retry back-off after failures
# (SOURCE_BACKOFF seconds doubling with jitter, at most SOURCE_MAX_BACKOFF).
SOURCE_TIMEOUT = env.float("SOURCE_TIMEOUT", default=10.0)
SOURCE_BACKOFF = env.float("SOURCE_BACKOFF", default=1.0)
SOURCE_MAX_BACKOFF = env.float("SOURCE_MAX_BACKOFF", default=60.0)

# Bluesky: one Jetstream websocket for the whole site; no credentials.
BLUESKY_JETSTREAM_URL = env.str(
    "BLUESKY_JETSTREAM_URL", default="wss://jetstream2.us-east.bsky.network/subscribe"
)
BLUESKY_APPVIEW_URL = env.str("BLUESKY_APPVIEW_URL", default="https://public.api.bsky.app").rstrip(
    "/"
)
BLUESKY_CDN_URL = env.str("BLUESKY_CDN_URL", default="https://cdn.bsky.app").rstrip("/")
# A (re)connect asks Jetstream for this many seconds before the stored cursor.
BLUESKY_REWIND_SECONDS = env.float("BLUESKY_REWIND_SECONDS", default=5.0)

# Mastodon (and servers with its API): hashtag timelines of each server, polled per city.
MASTODON_SERVERS = [
    url.rstrip("/") for url in env.list("MASTODON_SERVERS", default=["https://mastodon.social"])
]
# "host=token" pairs: an access token per server adds Authorization and the streaming API.
MASTODON_ACCESS_TOKENS = dict(
    pair.split("=", 1) for pair in env.list("MASTODON_ACCESS_TOKENS", default=[]) if "=" in pair
)
# Seconds between two polls of one (server, hashtag); the server's rate limit may add more.
MASTODON_POLL_INTERVAL = env.float("MASTODON_POLL_INTERVAL", default=30.0)

# Flickr: geo search per city with an API key (flickr.photos.search).
FLICKR_API_KEY = env.str("FLICKR_API_KEY", default="")
FLICKR_API_URL = env.str("FLICKR_API_URL", default="https://api.flickr.com/services/rest/")
# Calls per hour the whole site may make with its key (Flickr allows 3,600).
FLICKR_CALLS_PER_HOUR = env.int("FLICKR_CALLS_PER_HOUR", default=3000)
# Seconds between two searches of one city.
FLICKR_POLL_INTERVAL = env.float("FLICKR_POLL_INTERVAL", default=60.0)

# Pages of media one fetch follows before waiting for the next poke.
INGEST_MAX_PAGES = env.int("INGEST_MAX_PAGES", default=5)

# Largest notification body the callback reads.
INGEST_MAX_BODY = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = INGEST_MAX_BODY

# Seconds the callback trusts its list of active cities (0: read it on every notification);
# a city saved in the admin of the same process is seen at once.
INGEST_CITY_CACHE_SECONDS = env.float("INGEST_CITY_CACHE_SECONDS", default=5.0)

# Callback requests a second per source address (0: no limit), and the burst allowed.
INGEST_RATE_PER_SECOND = env.float("INGEST_RATE_PER_SECOND", default=50)
INGEST_RATE_BURST = env.int("INGEST_RATE_BURST", default=500)

# Proxies (addresses or networks) whose X-Forwarded-For tells the client's address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# /metrics answers scrapes from these networks, or with `Authorization: Bearer METRICS_TOKEN`.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The map's tiles ({z}, {x}, {y} in the URL) and their attribution (HTML, shown on the map);
# an empty MAP_TILE_URL draws the pins and the city's radius on a plain background.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    " contributors",
)
# Origins (scheme://host[:port]) whose pages may frame the embed (/cities/<slug>/embed/).
EMBED_ALLOWED_ORIGINS = env.list("EMBED_ALLOWED_ORIGINS", default=[])
# Seconds a process trusts its copy of the blocked users and words (a change made in the
# admin of the same process counts at once).
MODERATION_CACHE_SECONDS = env.float("MODERATION_CACHE_SECONDS", default=5.0)
# Pinned photos a city (or the all-cities stream) may have at once.
FEED_MAX_PINS = env.int("FEED_MAX_PINS", default=3)

# What one client may do to the live stream (feed/guard.py): the largest frame it may send
# (bytes; close 1009), frames a second and burst (close 1008), open connections per address
# and web process (0: no limit; more are refused at the handshake).
FEED_CLIENT_MAX_FRAME = env.int("FEED_CLIENT_MAX_FRAME", default=4096)
FEED_CLIENT_RATE_PER_SECOND = env.float("FEED_CLIENT_RATE_PER_SECOND", default=1.0)
FEED_CLIENT_RATE_BURST = env.int("FEED_CLIENT_RATE_BURST", default=10)
FEED_CONNECTIONS_PER_ADDRESS = env.int("FEED_CONNECTIONS_PER_ADDRESS", default=100)

# Photos stored longer ago than this many days are deleted (feed/retention.py; 0 keeps all).
PHOTO_RETENTION_DAYS = env.int("PHOTO_RETENTION_DAYS", default=30)

# How many photos a fresh visitor gets at once.
FEED_HISTORY_SIZE = env.int("FEED_HISTORY_SIZE", default=24)
# Live frames waiting for one slow websocket before its oldest are dropped (and counted).
FEED_CLIENT_QUEUE = env.int("FEED_CLIENT_QUEUE", default=1000)

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)-7s %(name)s: %(message)s"},
        "json": {"()": "wazstagram.logformat.JsonFormatter"},
    },
    "filters": {"redact": {"()": "wazstagram.logformat.RedactSecrets"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lock-outs, not every step
        # The Service Bus SDK narrates every connection and retry at INFO.
        "azure": {"level": "WARNING"},
    },
}
