"""A local stand-in for ITscope API 2.1, answering in the shapes of ITscope's own OpenAPI description.

Use ``python -m itscope sandbox`` to serve one, or :func:`running_sandbox` to run one in a thread for tests.
"""

import contextlib
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import Sandbox, SandboxConfig
from .responses import API_PREFIX

__all__ = ["Sandbox", "SandboxConfig", "running_sandbox", "serve"]


def serve(config, host="127.0.0.1", port=8899):
    """Serve a sandbox until interrupted (threaded, so a slow export never stalls other calls)."""
    sandbox = Sandbox(config)
    server = make_server(host, port, sandbox, threaded=True)
    sandbox.config.public_url = "http://%s:%d" % (host, server.server_port)
    server.serve_forever()


class _QuietHandler(WSGIRequestHandler):
    """Tests read the sandbox's own request log; werkzeug's access log would only add noise."""

    def log_request(self, *args, **kwargs):
        pass


@contextlib.contextmanager
def running_sandbox(config=None, host="127.0.0.1", port=0):
    """Run a sandbox on a free loopback port in a background thread; yields ``(sandbox, base_url)``."""
    sandbox = Sandbox(config or SandboxConfig())
    server = make_server(host, port, sandbox, threaded=True, request_handler=_QuietHandler)
    sandbox.config.public_url = "http://%s:%d" % (host, server.server_port)
    thread = threading.Thread(target=server.serve_forever, name="itscope-sandbox", daemon=True)
    thread.start()
    try:
        yield sandbox, "http://%s:%d%s" % (host, server.server_port, API_PREFIX)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
