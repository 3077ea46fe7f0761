"""Price refresh benchmark (``make bench-prices N=100000``; README.rst "Benchmarks").

1. Clones the addon's template database (the one ``bench_import.py`` keeps, rebuilt when the code changes), syncs the
   master data from an in-process sandbox, maps every distributor to a vendor and imports ceil(N / 3) products with
   three offers each through the catalogue importer: N vendor lines that mirror ITscope offers. Then copies that
   database (``createdb -T``) for the comparison.
2. Builds an update of the same products in which every offer changes: even offers their price, odd ones their stock
   and availability.
3. Applies it with the refresh writer (``itscope.price.refresh._write_update``), one transaction, commit included.
4. Applies it to the copy with grouped ORM writes: the lines looked up by offer id, then one ``write()`` per distinct
   set of values, commit included. Both databases must then hold the same offer state.
5. Applies the same update again with the refresh writer: nothing changes, so no row may be written (counted by the
   rows whose ``xmin`` is that transaction's).

The company keeps the offer history (its default retention), so step 3 also writes one history row per change, and
the script checks it did.

It prints the figures and ends with one line ``RESULT changes=… refresh_s=… orm_s=… ratio=…
unchanged_rows_written=… history_rows=…``. Reading the update is not timed: both ways start from the same records.
"""

import argparse
import dataclasses
import os
import subprocess
import time
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from bench_import import ensure_template

BENCH_DB = "itscope_bench_prices"
ORM_DB = "itscope_bench_prices_orm"
IMPORT_BATCH = 10000  # products per import transaction
PUID_BASE = 20_000_000_000
OFFER_BASE = 50_000_000_000
OFFER_STATE = (
    "price", "itscope_stock", "itscope_stock_status", "itscope_stock_text", "itscope_availability_date",
    "itscope_last_update", "itscope_available",
)  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=10000)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = parser.parse_args()

    template = ensure_template(args.addons_path)
    for name in (BENCH_DB, ORM_DB):
        subprocess.run(["dropdb", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-T", template, BENCH_DB], check=True)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", BENCH_DB, "--addons-path", args.addons_path, "--log-level", "warn"])
    try:
        report = run(odoo, Registry, args.offers)
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            for name in (BENCH_DB, ORM_DB):
                subprocess.run(["dropdb", "--if-exists", name], check=True)
    print_report(report)


def run(odoo, Registry, count):
    from odoo.addons.itscope_connector.itscope.products import Offer, Product

    report = {"offers": count}
    registry = Registry(BENCH_DB)
    distributors = setup_company(odoo, registry)
    products = synthetic_products(Offer, Product, count, distributors)
    started = time.perf_counter()
    for start in range(0, len(products), IMPORT_BATCH):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            company = env.company
            batch = products[start : start + IMPORT_BATCH]
            run = env["itscope.sync.run"]._run(
                company,
                "catalogue",
                lambda run, env=env, company=company, batch=batch: env["itscope.catalogue.importer"]._import_products(
                    company, batch, run
                ),
            )
            assert run.state == "done", run.failure or run.error_log
    report["import_s"] = time.perf_counter() - started
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM product_supplierinfo WHERE itscope_offer_id IS NOT NULL")
        assert cr.fetchone()[0] == count
    odoo.sql_db.close_all()  # createdb -T needs the database without connections
    settle(BENCH_DB)
    subprocess.run(["createdb", "-T", BENCH_DB, ORM_DB], check=True)

    update = changed_update(products)
    listed = [(product.puid, product) for product in update]

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        assert env.company.itscope_offer_history_days > 0, "the company keeps the offer history"
        report["load_before"] = os.getloadavg()[0]
        started = time.perf_counter()
        written = env["itscope.price.refresh"]._write_update(env.company, listed, [])
        cr.commit()
        report["refresh_s"] = time.perf_counter() - started
        cr.execute("SELECT count(*) FROM itscope_offer_history")
        report["history_rows"] = cr.fetchone()[0]
    report["changes"] = len(written)
    assert len(written) == count, "every offer changes: %d of %d written" % (len(written), count)
    assert report["history_rows"] == count, "each change kept in the offer history"

    orm_registry = Registry(ORM_DB)
    report["orm_s"], report["orm_writes"] = grouped_orm_writes(odoo, orm_registry, update)
    assert offer_state(registry) == offer_state(orm_registry), "the refresh and the ORM must end alike"

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        started = time.perf_counter()
        written = env["itscope.price.refresh"]._write_update(env.company, listed, [])
        report["unchanged_s"] = time.perf_counter() - started
        cr.execute(
            """SELECT count(*) FROM product_supplierinfo
                WHERE xmin::text::bigint = txid_current_if_assigned() % 4294967296"""
        )
        report["unchanged_rows_written"] = cr.fetchone()[0]
        cr.commit()
    assert not written
    return report


def setup_company(odoo, registry):
    """Point the company at an in-process sandbox, sync the master data and map every distributor to a vendor;
    returns the ITscope ids of three distributors."""
    from odoo.addons.itscope_connector.itscope.sandbox import SandboxConfig, running_sandbox

    with running_sandbox(SandboxConfig(account_id="bench", api_key="bench-key", products=10)) as (_sandbox, url):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            env.company.write({"itscope_account_id": "bench", "itscope_api_key": "bench-key", "itscope_base_url": url})
            master = env["itscope.master.data"]._sync(env.company)
            assert master.state == "done", master.failure
            distributors = env["itscope.distributor"].search([], order="itscope_id")
            distributors.action_create_vendor()
            return distributors[:3].mapped("itscope_id")


def synthetic_products(Offer, Product, count, distributors):
    """ceil(count / 3) products with three offers each (the last one fewer): ``count`` offers in all, each with its
    own price and stock, as in a real catalogue."""
    stamps = [datetime(2026, 1, 5, 7, 0) + timedelta(minutes=13 * slot) for slot in range(len(distributors))]
    products = []
    for index in range((count + 2) // 3):
        offers = tuple(
            Offer(
                offer_id=str(OFFER_BASE + number),
                distributor_id=distributor,
                sku="B%d-%07d" % (slot, index),
                price=Decimal(5000 + number) / 100,
                price_calc=Decimal(5400 + number) / 100,
                stock=number % 200,
                stock_status=1 if number % 200 else 4,
                stock_text="%d in stock" % (number % 200) if number % 200 else "on order",
                price_updated=stamps[slot],
                stock_updated=stamps[slot],
            )
            for slot, distributor in enumerate(distributors)
            if (number := 3 * index + slot) < count
        )
        products.append(Product(puid=str(PUID_BASE + index * 1000), name="Bench Product %07d" % index, offers=offers))
    return products


def changed_update(products):
    """The products as a standardUpdate brings them after every offer changed: even offers their price, odd offers
    their stock (every fifth of them goes into transit, with a date), stamped with their distributor's update time."""
    update = []
    for product in products:
        offers = []
        for slot, offer in enumerate(product.offers):
            number = int(offer.offer_id) - OFFER_BASE
            stamp = offer.price_updated + timedelta(hours=2, minutes=slot)
            if number % 2 == 0:
                step = Decimal("1.03") if number % 4 else Decimal("0.97")
                offer = dataclasses.replace(offer, price=offer.price * step, price_updated=stamp)
            elif number % 5 == 1:
                offer = dataclasses.replace(
                    offer, stock=0, stock_status=2, stock_text="in transit", stock_updated=stamp,
                    availability_date=(stamp + timedelta(days=3 + number % 10)).date(),
                )  # fmt: skip
            else:
                stock = offer.stock + 1 + number % 37
                offer = dataclasses.replace(
                    offer, stock=stock, stock_status=1, stock_text="%d in stock" % stock, stock_updated=stamp
                )
            offers.append(offer)
        update.append(dataclasses.replace(product, offers=tuple(offers)))
    return update


def grouped_orm_writes(odoo, registry, update):
    """The update through the ORM: lines found by offer id, one write() per distinct set of values."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        lines = env["product.supplierinfo"]
        started = time.perf_counter()
        found = lines.search_read(
            [("company_id", "=", env.company.id), ("itscope_offer_id", "!=", False)], ["itscope_offer_id"]
        )
        line_ids = {row["itscope_offer_id"]: row["id"] for row in found}
        groups = defaultdict(list)
        for product in update:
            for offer in product.offers:
                values = (
                    float(offer.price),
                    offer.stock,
                    str(offer.stock_status),
                    offer.stock_text or False,
                    offer.availability_date or False,
                    max(filter(None, (offer.price_updated, offer.stock_updated))),
                    True,
                )
                groups[values].append(line_ids[offer.offer_id])
        for values, ids in groups.items():
            lines.browse(ids).write(dict(zip(OFFER_STATE, values, strict=False)))
        env.flush_all()
        cr.commit()
        return time.perf_counter() - started, len(groups)


def offer_state(registry):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT itscope_offer_id, price, itscope_stock, itscope_stock_status, itscope_stock_text,
                      itscope_availability_date, itscope_last_update, itscope_available
                 FROM product_supplierinfo WHERE itscope_offer_id IS NOT NULL ORDER BY itscope_offer_id"""
        )
        return cr.fetchall()


def settle(database):
    """VACUUM ANALYZE what the import wrote and checkpoint, so neither way pays for the import's leftovers."""
    for statement in ("VACUUM ANALYZE product_supplierinfo", "VACUUM ANALYZE itscope_product", "CHECKPOINT"):
        subprocess.run(["psql", "-qd", database, "-c", statement], check=True)


def print_report(report):
    ratio = report["orm_s"] / report["refresh_s"]
    print("Database:        %8d vendor lines mirroring ITscope offers (imported in %.1f s)" % (
        report["offers"], report["import_s"]))  # fmt: skip
    print("Refresh writer:  %8.2f s %9.0f offers/s  (%d written)" % (
        report["refresh_s"], report["changes"] / report["refresh_s"], report["changes"]))  # fmt: skip
    print("Grouped ORM:     %8.2f s %9.0f offers/s  (%d write() calls)" % (
        report["orm_s"], report["offers"] / report["orm_s"], report["orm_writes"]))  # fmt: skip
    print("Ratio:           %8.1f x" % ratio)
    print("Unchanged again: %8.2f s, %d rows written" % (report["unchanged_s"], report["unchanged_rows_written"]))
    print("Offer history:   %8d rows kept by the refresh (load average %.2f as it started)" % (
        report["history_rows"], report["load_before"]))  # fmt: skip
    print(
        "RESULT changes=%d refresh_s=%.2f orm_s=%.2f ratio=%.1f unchanged_rows_written=%d history_rows=%d"
        % (
            report["changes"],
            report["refresh_s"],
            report["orm_s"],
            ratio,
            report["unchanged_rows_written"],
            report["history_rows"],
        )
    )


if __name__ == "__main__":
    main()
