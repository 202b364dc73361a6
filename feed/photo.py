"""The photo message: the one shape every source produces and the bus, the channel layer,
the models, the frames, the pages, the tests and the benchmarks share.

Times are strings (`created_at`, ISO 8601 UTC) or Unix seconds (`published_at`, set when
the bus accepted the photo) so that the message is JSON as it is.
"""

from typing import Literal, NotRequired, TypedDict, get_args

Source = Literal["instagram", "bluesky", "mastodon", "flickr"]
SOURCE_NAMES: tuple[Source, ...] = get_args(Source)
# The source of messages that do not name one (they come from nodes older than sources).
INSTAGRAM: Source = "instagram"
# The longest caption a photo keeps (characters; the rest is cut). Every page is sent
# every caption, and moderation reads each word of it.
MAX_CAPTION = 3000


class ImageRef(TypedDict):
    url: str  # an absolute http(s) URL
    width: int  # pixels; 0 when the source does not say
    height: int


class Image(ImageRef):
    alt: NotRequired[str]  # the author's alt text, else ""


class Author(TypedDict):
    username: str
    full_name: str
    avatar: str  # an http(s) URL or ""


class Location(TypedDict):
    lat: float | None
    lng: float | None
    name: str


class PhotoMessage(TypedDict):
    """One photo of one city; a post with several images, or in several cities, is several."""

    id: str  # unique across sources
    city: str  # the city's slug
    source: NotRequired[Source]  # absent in messages of nodes older than sources: instagram
    image: Image
    thumbnail: ImageRef
    link: str  # the post's permalink, or ""
    caption: str | None  # at most MAX_CAPTION characters
    user: Author
    location: Location
    likes: int
    license: NotRequired[str]  # where the source says one (Flickr), else ""
    post: NotRequired[str]  # the source's id of the post, so that its deletion retracts it
    held_because: NotRequired[str]  # moderation desks: why it waits in the queue
    pinned: NotRequired[bool]  # a moderator pinned it first on its city's page
    sensitive: NotRequired[str]  # why the source marks it sensitive (stored hidden), else ""
    created_at: str
    published_at: float | None
