"""Command line: ``python -m itscope sandbox …`` serves a local ITscope; ``python -m itscope opentrans parse FILE``
prints an openTRANS document as JSON (for support: what did the distributor really send?); ``python -m itscope export
read FILE`` prints the products of an export as the importer sees them (for support: what did ITscope deliver?)."""

# pylint: disable=print-used
# A command line prints its answers on standard output and its complaints on standard error: that is its interface.

import argparse
import json
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
        json_shape=args.json_shape,
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


def _export_read(args):
    """One JSON object per product on standard output; each row that could not be read on standard error with its
    id and reason (notes on what the reader left aside too). Exit 0: every product read; 1: some rows bad; 2: the
    file is unusable (nothing read)."""
    from .exports import BadRow, Notice, iter_export
    from .products import read_products

    try:
        rows = iter_export(args.file)
    except (OSError, ValueError) as exc:
        print("%s: %s" % (args.file, exc), file=sys.stderr)
        return 2
    counts = {"read": 0, "bad": 0, "fatal": False}

    def products():
        for row in rows:
            if isinstance(row, Notice):
                print("note: %s" % row.reason, file=sys.stderr)
            elif isinstance(row, BadRow):
                _bad_row(counts, row.puid, row.reason)
                counts["fatal"] |= row.fatal
            else:
                yield row

    try:
        for product, problem in read_products(products()):
            if problem:
                _bad_row(counts, *problem)
            else:
                counts["read"] += 1
                print(json.dumps(_product_json(product), ensure_ascii=False))
    except BrokenPipeError:  # the reader of the output (``| head``) has what it wanted
        sys.stdout = None
        return 0
    if counts["fatal"] and not counts["read"]:
        return 2
    return 1 if counts["bad"] else 0


def _bad_row(counts, itscope_id, reason):
    counts["bad"] += 1
    print("%s: %s" % (itscope_id or "?", reason), file=sys.stderr)


def _product_json(product):
    """The facts of a product the importer writes, amounts as decimal strings."""
    return {
        "puid": product.puid,
        "name": product.name,
        "ean": product.ean,
        "manufacturer_sku": product.manufacturer_sku,
        "manufacturer_id": product.manufacturer_id,
        "product_type_id": product.product_type_id,
        "attributes": [{"name": name, "value": value} for name, value in product.attributes],
        "offers": [
            {
                "offer_id": offer.offer_id,
                "distributor_id": offer.distributor_id,
                "sku": offer.sku,
                "price": _decimal_text(offer.price),
                "price_calc": _decimal_text(offer.price_calc),
                "currency": offer.currency,
                "stock": offer.stock,
                "stock_status": offer.stock_status,
                "condition_id": offer.condition_id,
                "availability_date": offer.availability_date and offer.availability_date.isoformat(),
            }
            for offer in product.offers
        ],
    }


def _decimal_text(amount):
    return None if amount is None else str(amount)


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
    sandbox.add_argument(
        "--json-shape",
        choices=("production", "oas"),
        default="production",
        help="production: products as live ITscope accounts deliver them (plural list keys, strings; tab-separated CSV "
        "exports); oas: the shapes of ITscope's OpenAPI description (default: %(default)s)",
    )
    sandbox.set_defaults(run=_sandbox)

    opentrans = commands.add_parser("opentrans", help="openTRANS 2.1 documents")
    opentrans_commands = opentrans.add_subparsers(dest="opentrans_command", required=True)
    parse = opentrans_commands.add_parser("parse", help="print a document (ORDER, ORDERRESPONSE, …) as JSON")
    parse.add_argument("file")
    parse.set_defaults(run=_opentrans_parse)

    export = commands.add_parser("export", help="ITscope export files (CSV in a ZIP, XML, JSON)")
    export_commands = export.add_subparsers(dest="export_command", required=True)
    read = export_commands.add_parser(
        "read", help="print each product as the importer sees it, one JSON object per line; bad rows on stderr"
    )
    read.add_argument("file")
    read.set_defaults(run=_export_read)

    args = parser.parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
