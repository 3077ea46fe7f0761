"""The gate every request passes: ITscope's rate-limit budget and the 30-minute circuit breaker.

ITscope counts requests per IP and answers an excess with a 503 and a 30-minute block, during which every further
request only prolongs the trouble. So the budget and the breaker are shared by everything that calls ITscope from
this machine: the policy lives in :class:`RequestGate`, the shared state in a store. :class:`MemoryStore` serves one
process (CLI, tests); the Odoo layer plugs in a store kept in the database so all workers and crons agree.
"""

import threading
import time
from datetime import datetime, timedelta, timezone

from .errors import ItscopeBlocked


def utcnow():
    return datetime.now(timezone.utc)


class MemoryStore:
    """Gate state for a single process. A store answers three questions atomically; see :class:`RequestGate`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._window_start = None
        self._count = 0
        self._blocked_until = None

    def reserve(self, now, budget, window):
        """Take one request slot in the current window; return 0 when taken, else the seconds to wait."""
        with self._lock:
            if self._window_start is None or (now - self._window_start).total_seconds() >= window:
                self._window_start, self._count = now, 0
            if self._count < budget:
                self._count += 1
                return 0.0
            return window - (now - self._window_start).total_seconds()

    def blocked_until(self):
        with self._lock:
            return self._blocked_until

    def block(self, until):
        with self._lock:
            self._blocked_until = until


class RequestGate:
    """Hold requests to ``budget`` per ``window`` seconds and refuse all of them while ITscope blocks us."""

    def __init__(self, store=None, budget=300, window=60, block_minutes=30, clock=utcnow, sleep=time.sleep):
        self.store = store or MemoryStore()
        self.budget = budget
        self.window = window
        self.block_minutes = block_minutes
        self.clock = clock
        self.sleep = sleep

    def acquire(self):
        """Wait for a slot; raise :class:`ItscopeBlocked` instead when the breaker is open."""
        while True:
            self.check_open()
            wait = self.store.reserve(self.clock(), self.budget, self.window)
            if wait <= 0:
                return
            self.sleep(wait)

    def check_open(self):
        until = self.store.blocked_until()
        if until and until > self.clock():
            raise ItscopeBlocked(
                "ITscope blocked requests from this server until %s UTC (rate limit exceeded); "
                "no request is sent before then." % until.strftime("%Y-%m-%d %H:%M"),
                until=until,
            )

    def trip(self):
        """Open the breaker after a 503; return when it closes again."""
        until = self.clock() + timedelta(minutes=self.block_minutes)
        self.store.block(until)
        return until
