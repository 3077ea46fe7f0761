"""Bounded downloads of product images: media URLs are outside our control, so scheme, type, size and time are
capped."""

from urllib.parse import urlsplit

import requests

MAX_BYTES = 2 * 1024 * 1024
TIMEOUT = (5, 20)  # connect, read (seconds)


class ImageRefused(Exception):
    """The URL gave no usable raster image; the message says why."""


def image_session():
    """A session for a batch of image downloads (use it as a context manager)."""
    return requests.Session()


def fetch_image(session, url, max_bytes=MAX_BYTES, timeout=TIMEOUT):
    """The bytes of the raster image at ``url`` (http or https, an ``image/*`` other than SVG, at most ``max_bytes``),
    streamed so an oversized answer is dropped without being read whole; raises :class:`ImageRefused`."""
    if urlsplit(url or "").scheme not in ("http", "https"):
        raise ImageRefused("not an http(s) URL: %r" % (url,))
    try:
        with session.get(url, timeout=timeout, stream=True) as response:
            response.raise_for_status()
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("image/") or "svg" in content_type:
                raise ImageRefused("content type %r is not a raster image" % content_type)
            if int(response.headers.get("Content-Length") or 0) > max_bytes:
                raise ImageRefused("larger than %d bytes" % max_bytes)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise ImageRefused("larger than %d bytes" % max_bytes)
                chunks.append(chunk)
    except (requests.RequestException, ValueError) as error:
        raise ImageRefused(str(error)) from None
    return b"".join(chunks)
