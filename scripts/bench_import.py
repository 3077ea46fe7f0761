"""Catalogue import benchmark (``make bench N=10000 FORMAT=csv``; README.rst "Benchmarks").

1. Makes sure a template database with the addon installed exists (named after a digest of the addon's code, so a
   change rebuilds it), clones it into a fresh database (``$ITSCOPE_BENCH_DB``, by default ``itscope_bench``), syncs
   the master data from an in-process sandbox and maps every distributor to a vendor.
2. Has the sandbox's export writer (the one its export endpoints use) write an export of N products in ITscope's
   real layout for FORMAT (``csv``: the tab-separated CSV-zip of linked tables; ``json``: ``{"product": [...]}``
   with ``supplierItems`` and every scalar a string; ``xml``: ``<products>``), as production delivers them. The
   generator gives 1 to 4 offers a product: each product gets exactly three here (extra offers copy the first one
   with another distributor, offer id and SKU), and the company takes every condition. A second file holds the same
   products with every tenth one changed: in turn the first offer's price, its stock, or the short description.
3. Imports the file as *Import an Export* does: an attachment in the file store, ``_start_export_import`` (a full
   export), then the scheduled action's batches, committing after each as the cron runner does; checks the counts
   (N products, 3N vendor price lines).
4. Imports min(N, 2000) other products of the same generator through Odoo's own CSV import (``base_import``: name,
   barcode, internal reference and three vendor lines a product, in the UI's batches of 2,000 rows) for the ratio.
5. Imports the same file again: nothing may be created or updated. Then the changed file: exactly the changed
   products are updated, nothing created.

It prints the figures and ends with one line ``RESULT format=… products_per_s=… base_import_per_s=… ratio=…
unchanged_per_s=… changed_per_s=… peak_rss_mb=… cpu_python_us=… cpu_postgres_us=…``. Rates count the whole import
(counting the file's products for the progress, reading and parsing included); the CPU figures are per new product.
"""

import argparse
import csv
import hashlib
import io
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCH_DB = os.environ.get("ITSCOPE_BENCH_DB") or "itscope_bench"
TEMPLATE_PREFIX = "itscope_bench_tpl_"
BASE_IMPORT_MAX = 2000
CSV_BATCH_ROWS = 2000  # the import dialog's default batch
FORMATS = ("csv", "json", "xml")
CHANGED_EVERY = 10  # every tenth product changes in the second file
SUFFIXES = {"csv": "zip", "json": "json", "xml": "xml"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10000)
    parser.add_argument("--format", choices=FORMATS, default="csv")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    template = ensure_template(args.addons_path)
    subprocess.run(["dropdb", "--if-exists", BENCH_DB], check=True)
    clone(template, BENCH_DB)

    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-d", BENCH_DB, "--addons-path", args.addons_path, "--log-level", "warn"])
    registry = Registry(BENCH_DB)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(odoo, registry, args.products, args.format, pathlib.Path(tmp))
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            subprocess.run(["dropdb", "--if-exists", BENCH_DB], check=True)
            shutil.rmtree(config.filestore(BENCH_DB), ignore_errors=True)
    print_report(report, args.products, args.format)


def clone(template, name):
    """``createdb -T``, waiting while another benchmark clones the same template (PostgreSQL refuses two at once)."""
    for _attempt in range(60):
        if subprocess.run(["createdb", "-T", template, name], capture_output=True).returncode == 0:
            return
        time.sleep(2)
    subprocess.run(["createdb", "-T", template, name], check=True)


def ensure_template(addons_path):
    """The template database for this code of the addon, created (about a minute) when missing."""
    digest = hashlib.sha1()
    for path in sorted(ROOT.glob("**/*")):
        if path.suffix in (".py", ".xml", ".csv") and "var" not in path.relative_to(ROOT).parts[:1]:
            digest.update(path.read_bytes())
    template = TEMPLATE_PREFIX + digest.hexdigest()[:10]
    names = subprocess.run(["psql", "-Atc", "SELECT datname FROM pg_database"], capture_output=True, text=True)
    databases = names.stdout.split()
    if template not in databases:
        for stale in (name for name in databases if name.startswith(TEMPLATE_PREFIX)):
            subprocess.run(["dropdb", stale], check=False)  # another benchmark may be cloning it right now
        print("Creating the template database %s (the addon installed, no demo data)..." % template, flush=True)
        subprocess.run(
            [sys.executable, "-m", "odoo", "-d", template, "--addons-path", addons_path, "-i", "itscope_connector",
             "--without-demo=all", "--stop-after-init", "--log-level=warn", "--no-http"],
            check=True,
        )  # fmt: skip
    return template


def run(odoo, registry, count, form, tmp):
    from odoo.addons.itscope_connector.itscope.sandbox import SandboxConfig, running_sandbox
    from odoo.addons.itscope_connector.itscope.sandbox.catalogue import MAX_PRODUCTS, catalogue_for

    if count + min(count, BASE_IMPORT_MAX) > MAX_PRODUCTS:  # base_import takes the products after the exported ones
        sys.exit(
            "At most %d products: the sandbox generates %d, and base_import needs %d of them after the export's."
            % (MAX_PRODUCTS - BASE_IMPORT_MAX, MAX_PRODUCTS, BASE_IMPORT_MAX)
        )
    report = {}
    with running_sandbox(SandboxConfig(account_id="bench", api_key="bench-key", products=10)) as (sandbox, url):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            company = env.company
            company.write(
                {
                    "itscope_account_id": "bench",
                    "itscope_api_key": "bench-key",
                    "itscope_base_url": url,
                    "itscope_condition_ids": [odoo.Command.set(env["itscope.condition"].search([]).ids)],
                }
            )
            master = env["itscope.master.data"]._sync(company)
            assert master.state == "done", master.failure
            env["itscope.distributor"].search([]).action_create_vendor()
            export_id = (
                env["itscope.export"]
                .create({"name": "Bench", "export_ref": "5a9d1000-c0de-4e57-8a7e-000000000101", "full": True})
                .id
            )
        catalogue = catalogue_for(sandbox)

    export = tmp / ("export." + SUFFIXES[form])
    changed_export = tmp / ("changed." + SUFFIXES[form])
    started = time.perf_counter()
    write_export(catalogue, count, form, export)
    report["export_s"] = time.perf_counter() - started
    report["export_mb"] = export.stat().st_size / 1e6
    write_export(catalogue, count, form, changed_export, changed=True)

    first = import_export(odoo, registry, export, export_id)
    assert (first.created_count, first.updated_count, first.error_count) == (count, 0, 0), first.summary
    report["import_s"] = first.seconds
    report["import_cpu"] = (first.python_cpu, first.postgres_cpu)
    with registry.cursor() as cr:
        cr.execute("SELECT count(*) FROM product_supplierinfo WHERE itscope_offer_id IS NOT NULL")
        offers = cr.fetchone()[0]
    assert offers == 3 * count, offers

    sample = min(count, BASE_IMPORT_MAX)
    report["base_import_n"] = sample
    report["base_import_s"] = base_import(odoo, registry, catalogue, count, sample)

    second = import_export(odoo, registry, export, export_id)
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, count), second.summary
    report["unchanged_s"] = second.seconds
    report["unchanged_cpu"] = (second.python_cpu, second.postgres_cpu)

    changed = len(range(0, count, CHANGED_EVERY))
    third = import_export(odoo, registry, changed_export, export_id)
    assert (third.created_count, third.updated_count, third.unchanged_count, third.error_count) == (
        0,
        changed,
        count - changed,
        0,
    ), third.summary
    report["changed_s"] = third.seconds
    report["changed_n"] = changed
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def write_export(catalogue, count, form, path, changed=False):
    """The export of the first ``count`` products with three offers each, written by the sandbox's export writer in
    ITscope's production layout for ``form``; ``changed``: every CHANGED_EVERY-th product changed (see ``change``)."""
    from odoo.addons.itscope_connector.itscope.sandbox.products import export_chunks

    products = (three_offers(product, catalogue) for product in catalogue.products(0, count))
    if changed:
        products = (
            change(product, index) if index % CHANGED_EVERY == 0 else product for index, product in enumerate(products)
        )
    with path.open("wb") as out:
        for chunk in export_chunks(form, "standard", products, "production"):
            out.write(chunk)


def change(product, index):
    """The product with, in turn, its first offer's price, its first offer's stock or its short description changed."""
    kind = (index // CHANGED_EVERY) % 3
    if kind == 2:
        return {**product, "shortDescription": (product.get("shortDescription") or "") + " (neu)"}
    first = dict(product["supplierItem"][0])
    if kind == 0:
        first["price"] = round(first["price"] + 1, 2)
        first["priceCalc"] = round(first["priceCalc"] + 1, 2)
    else:
        first["stock"] = first["stock"] + 7
    return {**product, "supplierItem": [first, *product["supplierItem"][1:]]}


def three_offers(product, catalogue):
    """The product with exactly three offers from three distributors (see the module docstring)."""
    items = product["supplierItem"][:3]
    used = {item["supplierId"] for item in items}
    spare = (company["supplier"] for company in catalogue.distributors if company["supplier"]["id"] not in used)
    while len(items) < 3:
        supplier = next(spare)
        extra = dict(items[0])
        extra["id"] = items[0]["id"] + 10_000_000_000 * len(items)  # outside the generator's id space
        extra["supplierId"], extra["supplierName"] = supplier["id"], supplier["name"]
        extra["supplierSKU"] = "X%d-%s" % (len(items), items[0]["supplierSKU"])
        items.append(extra)
    return {**product, "supplierItem": items}


class Outcome:
    def __init__(self, run, seconds, python_cpu, postgres_cpu):
        self.seconds = seconds
        self.python_cpu = python_cpu  # CPU seconds of this process, every thread
        self.postgres_cpu = postgres_cpu  # CPU seconds of the PostgreSQL backend serving it (None: not on this host)
        for name in ("created_count", "updated_count", "unchanged_count", "error_count", "summary"):
            setattr(self, name, run[name])


def backend_cpu(pid):
    """CPU seconds a local PostgreSQL backend has used (user + system), or None when it is not on this host."""
    try:
        fields = pathlib.Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_export(odoo, registry, path, export_id):
    """The file through *Import an Export*'s path: an attachment in the file store (moved there, not read into
    memory), ``_start_export_import`` of a full export, and the scheduled action's batches, each committed as the cron
    runner does. The clock runs from ``_start_export_import`` on."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        attachment = file_store_attachment(env, path)
        cr.execute("SELECT pg_backend_pid()")
        backend = cr.fetchone()[0]
        cr.commit()
        importer = env["itscope.catalogue.importer"]
        started, python_started, postgres_started = time.perf_counter(), time.process_time(), backend_cpu(backend)
        run = importer._start_export_import(
            env.company, attachment, full=True, export=env["itscope.export"].browse(export_id)
        )
        cr.commit()
        while run.state == "running":
            importer._cron_itscope_import_exports()
            cr.commit()
            run.invalidate_recordset()
        seconds = time.perf_counter() - started
        postgres_cpu = backend_cpu(backend)
        if postgres_cpu is not None:
            postgres_cpu -= postgres_started
        return Outcome(run, seconds, time.process_time() - python_started, postgres_cpu)


def file_store_attachment(env, path):
    """An attachment of the file at ``path``, its content moved into the database's file store as Odoo stores it."""
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    checksum = digest.hexdigest()
    store_fname = "%s/%s" % (checksum[:2], checksum)
    attachments = env["ir.attachment"]
    full_path = attachments._full_path(store_fname)
    os.makedirs(os.path.dirname(full_path), exist_ok=True)
    shutil.copyfile(path, full_path)
    attachment = attachments.create({"name": path.name, "mimetype": "application/octet-stream"})
    env.cr.execute(  # create() leaves the storage fields to the content it is given: none here
        "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s WHERE id = %s",
        (store_fname, checksum, path.stat().st_size, attachment.id),
    )
    attachment.invalidate_recordset()
    return attachment


def base_import(odoo, registry, catalogue, offset, count):
    """``count`` products (after the exported ones) through base_import, in the UI's batches; returns the seconds."""
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        vendors = {d.itscope_id: d.partner_id.name for d in env["itscope.distributor"].search([])}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = [
        "name",
        "barcode",
        "default_code",
        "seller_ids/partner_id",
        "seller_ids/price",
        "seller_ids/product_code",
    ]
    writer.writerow(columns)
    for product in catalogue.products(offset, offset + count):
        for index, item in enumerate(three_offers(product, catalogue)["supplierItem"]):
            head = [product["productName"], product["ean"], product["manufacturerSKU"]] if index == 0 else ["", "", ""]
            writer.writerow(head + [vendors[str(item["supplierId"])], item["price"], item["supplierSKU"]])
    options = {
        "quoting": '"', "separator": ",", "encoding": "utf-8", "has_headers": True, "advanced": True,
        "keep_matches": False, "name_create_enabled_fields": {}, "import_set_empty_fields": [],
        "import_skip_records": [], "fallback_values": {}, "date_format": "", "datetime_format": "",
        "float_thousand_separator": ",", "float_decimal_separator": ".", "tracking_disable": True,
    }  # fmt: skip
    started = time.perf_counter()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        wizard = env["base_import.import"].create(
            {"res_model": "product.template", "file": buffer.getvalue().encode(), "file_type": "text/csv"}
        )
        skip = 0
        while True:
            result = wizard.execute_import(columns, columns, {**options, "limit": CSV_BATCH_ROWS, "skip": skip})
            errors = [message for message in result.get("messages", []) if message.get("type") == "error"]
            assert not errors, errors[:3]
            cr.commit()
            if not result.get("nextrow"):
                break
            skip = result["nextrow"]
        cr.execute("SELECT count(*) FROM product_template WHERE itscope_puid IS NULL AND default_code IS NOT NULL")
        assert cr.fetchone()[0] == count
    return time.perf_counter() - started


def print_report(report, count, form):
    rate = count / report["import_s"]
    base_rate = report["base_import_n"] / report["base_import_s"]
    unchanged_rate = count / report["unchanged_s"]
    changed_rate = count / report["changed_s"]
    base_count = report["base_import_n"]
    print(
        "Export: %d products with 3 offers each, %.1f MB of %s in ITscope's production layout (written in %.1f s)"
        % (count, report["export_mb"], form.upper(), report["export_s"])
    )
    print(
        "Import:          %8.1f s %9.0f products/s  (%d products, %d offers)"
        % (report["import_s"], rate, count, 3 * count)
    )
    print(
        "base_import:     %8.1f s %9.1f products/s  (%d products, %d offers)"
        % (report["base_import_s"], base_rate, base_count, 3 * base_count)
    )
    print("Ratio:           %8.1f x" % (rate / base_rate))
    python_cpu, postgres_cpu = report["import_cpu"]
    cpu = "cpu_python_us=%.0f" % (1e6 * python_cpu / count)
    if postgres_cpu is not None:
        per_product = (python_cpu + postgres_cpu) / count
        cpu += " cpu_postgres_us=%.0f" % (1e6 * postgres_cpu / count)
        print(
            "CPU per new product: %.0f us Python (reading, parsing, preparing), %.0f us PostgreSQL (writing): "
            "%.0f products/s at most on %d cores"
            % (1e6 * python_cpu / count, 1e6 * postgres_cpu / count, os.cpu_count() / per_product, os.cpu_count())
        )
    python_cpu, postgres_cpu = report["unchanged_cpu"]
    print(
        "Unchanged again: %8.1f s %9.0f products/s  (CPU per product: %.1f us Python, %s us PostgreSQL)"
        % (
            report["unchanged_s"],
            unchanged_rate,
            1e6 * python_cpu / count,
            "?" if postgres_cpu is None else "%.1f" % (1e6 * postgres_cpu / count),
        )
    )
    print(
        "10%% changed:     %8.1f s %9.0f products/s  (%d products updated)"
        % (report["changed_s"], changed_rate, report["changed_n"])
    )
    print("Peak RSS:        %8.0f MB" % report["peak_rss_mb"])
    print(
        "RESULT format=%s products_per_s=%.0f base_import_per_s=%.1f ratio=%.1f unchanged_per_s=%.0f "
        "changed_per_s=%.0f peak_rss_mb=%.0f %s"
        % (form, rate, base_rate, rate / base_rate, unchanged_rate, changed_rate, report["peak_rss_mb"], cpu)
    )


if __name__ == "__main__":
    main()
