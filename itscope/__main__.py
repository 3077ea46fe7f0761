"""Command line: ``python -m itscope sandbox …`` serves a local ITscope; ``python -m itscope opentrans parse FILE``
prints an openTRANS document as JSON (for support: what did the distributor really send?)."""

import argparse
import sys

from .errors import ItscopeDocumentError


def _sandbox(args):
    from .sandbox import SandboxConfig, serve

    config = SandboxConfig(
        account_id=args.account_id,
        api_key=args.api_key,
        products=args.products,
        seed=args.seed,
        rate_limit=args.rate_limit,
        rate_window=args.rate_window,
    )
    print(
        "ITscope sandbox on http://%s:%d/2.1 (account id %s, %d products, seed %d)"
        % (args.host, args.port, args.account_id, args.products, args.seed),
        flush=True,
    )
    serve(config, host=args.host, port=args.port)


def _opentrans_parse(args):
    """The document as JSON on standard output (UTF-8, whatever the terminal's encoding); exit 2 with the reason on
    standard error when the file cannot be read or is no document the connector reads. Never a traceback."""
    from .opentrans import MAX_DOCUMENT_BYTES, document_to_json

    try:
        with open(args.file, "rb") as handle:
            output = document_to_json(handle.read(MAX_DOCUMENT_BYTES + 1))  # one byte more: too long is refused
    except OSError as exc:
        print("%s: cannot be read: %s" % (args.file, exc.strerror or exc), file=sys.stderr)
        return 2
    except ItscopeDocumentError as exc:
        print("%s: %s" % (args.file, exc), file=sys.stderr)
        return 2
    try:
        sys.stdout.flush()
        sys.stdout.buffer.write(output.encode("utf-8") + b"\n")
        sys.stdout.buffer.flush()
    except BrokenPipeError:  # the reader of the output (``| head``) has what it wanted
        sys.stdout = None
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m itscope", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    sandbox = commands.add_parser("sandbox", help="serve a local ITscope API 2.1 stand-in")
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    sandbox.add_argument("--port", type=int, default=8899, help="default: %(default)s")
    sandbox.add_argument("--products", type=int, default=5000, help="catalogue size (default: %(default)s)")
    sandbox.add_argument("--seed", type=int, default=1, help="catalogue seed (default: %(default)s)")
    sandbox.add_argument("--account-id", default="sandbox", help="Basic auth user (default: %(default)s)")
    sandbox.add_argument("--api-key", default="sandbox-key", help="Basic auth password (default: %(default)s)")
    sandbox.add_argument("--rate-limit", type=int, default=600, help="requests per window (default: %(default)s)")
    sandbox.add_argument("--rate-window", type=int, default=60, help="window in seconds (default: %(default)s)")
    sandbox.set_defaults(run=_sandbox)

    opentrans = commands.add_parser("opentrans", help="openTRANS 2.1 documents")
    opentrans_commands = opentrans.add_subparsers(dest="opentrans_command", required=True)
    parse = opentrans_commands.add_parser("parse", help="print a document (ORDER, ORDERRESPONSE, …) as JSON")
    parse.add_argument("file")
    parse.set_defaults(run=_opentrans_parse)

    args = parser.parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
