"""One exception family for everything ITscope answers, so callers can map each kind to a message for people.

Messages never contain credentials: the client builds them from the HTTP status and ITscope's own text only.
"""


class ItscopeError(Exception):
    """Any failure talking to ITscope; ``status`` is the HTTP status when there was a response."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status


class ItscopeBadRequest(ItscopeError):
    """400: ITscope rejected the request (bad filter, invalid ORDER, unknown export id); its message says why."""


class ItscopeAuthError(ItscopeError):
    """401: wrong account id or API key."""


class ItscopeForbidden(ItscopeError):
    """403: the ITscope plan or quota does not allow this call."""


class ItscopeNotFound(ItscopeError):
    """404: e.g. an export id that does not exist."""


class ItscopeServerError(ItscopeError):
    """5xx other than the rate limit: ITscope or the distributor's system failed."""


class ItscopeBlocked(ItscopeError):
    """ITscope's rate limit blocked this IP (a 503); no request may leave until ``until`` (an aware datetime)."""

    def __init__(self, message, until, status=503):
        super().__init__(message, status=status)
        self.until = until


class ItscopeUnreachable(ItscopeError):
    """No answer at all (DNS, refused connection, timeout): the outcome of a non-idempotent call is unknown."""


class ItscopeForeignUrl(ItscopeError, ValueError):
    """A URL (an export's) outside the configured API address: refused before any request, since requests to the
    API carry the API key. Also a ValueError, so checks of a typed-in export reference refuse it like a malformed one.
    """


class ItscopeDocumentError(ItscopeError):
    """An XML document that cannot be read (malformed, DOCTYPE, wrong root, missing mandatory data)."""
