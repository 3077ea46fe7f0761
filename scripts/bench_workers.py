"""Parallel export import benchmark: the same export imported by 1 and by 2 cron workers (README.rst "Benchmarks").

``make bench-workers N=40000 FORMAT=csv``. For each worker count, a fresh database from the benchmark's template
(``bench_import.ensure_template``) gets the sandbox's master data, a vendor per distributor and an export of N new
products with three offers each (``bench_import.write_export``); then the workers, each a process of its own as Odoo's
cron workers are (its registry loaded before the clock starts), call ``_cron_itscope_import_exports(worker=k)`` in a
loop, each call in its own committed transaction as the cron runner runs it, until the run has ended. The clock runs
from ``_start_export_import`` to the end of the run.

It prints, per worker count, the seconds, products/s, the CPU per product of the workers (Python) and of their
PostgreSQL backends, and the machine's load (``uptime``) before and after, then one line ``RESULT workers_1_per_s=…
workers_2_per_s=… speedup=…``.
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import bench_import  # noqa: E402 - the benchmark this one reuses

BENCH_DB = "itscope_bench_workers"
# A template of its own: bench_import drops the templates of its prefix made for other code, whoever is cloning them.
bench_import.TEMPLATE_PREFIX = "itscope_bench_workers_tpl_"
IDLE_PAUSE = 0.05  # seconds a worker waits after a call that found nothing to do


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=40000)
    parser.add_argument("--format", choices=bench_import.FORMATS, default="csv")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # internal: run as worker k
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return work(args)

    template = bench_import.ensure_template(args.addons_path)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        export = pathlib.Path(tmp) / ("export." + bench_import.SUFFIXES[args.format])
        for workers in args.workers:
            subprocess.run(["dropdb", "--if-exists", BENCH_DB], check=True)
            subprocess.run(["createdb", "-T", template, BENCH_DB], check=True)
            try:
                results[workers] = measure(args, workers, export)
            finally:
                subprocess.run(["dropdb", "--if-exists", BENCH_DB], check=True)
    report(results, args.products, args.format)


def _registry(addons_path):
    import odoo
    from odoo.modules.registry import Registry
    from odoo.tools import config

    if config["db_name"] != BENCH_DB:  # once a process: Odoo's configuration cannot be parsed twice
        config.parse_config(["-d", BENCH_DB, "--addons-path", addons_path, "--log-level", "warn"])
    return odoo, Registry(BENCH_DB)


def measure(args, workers, export):
    """One import of the export by ``workers`` worker processes; returns its figures."""
    odoo, registry = _registry(args.addons_path)
    from odoo.addons.itscope_connector.itscope.sandbox import SandboxConfig, running_sandbox
    from odoo.addons.itscope_connector.itscope.sandbox.catalogue import catalogue_for

    with running_sandbox(SandboxConfig(account_id="bench", api_key="bench-key", products=10)) as (sandbox, url):
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
            env.company.write(
                {
                    "itscope_account_id": "bench",
                    "itscope_api_key": "bench-key",
                    "itscope_base_url": url,
                    "itscope_condition_ids": [odoo.Command.set(env["itscope.condition"].search([]).ids)],
                }
            )
            master = env["itscope.master.data"]._sync(env.company)
            assert master.state == "done", master.failure
            env["itscope.distributor"].search([]).action_create_vendor()
            env["ir.config_parameter"].set_param("itscope_connector.import_workers", workers)
        if not export.exists():
            bench_import.write_export(catalogue_for(sandbox), args.products, args.format, export)

    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", str(k), "--addons-path", args.addons_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(1, workers + 1)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "READY"
    load_before = _uptime()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        attachment = bench_import.file_store_attachment(env, export)
        started = time.perf_counter()
        run = env["itscope.catalogue.importer"]._start_export_import(env.company, attachment)
        run_id = run.id
    for process in processes:
        process.stdin.write("%d\n" % run_id)
        process.stdin.flush()
    figures = [json.loads(process.stdout.readline()) for process in processes]
    seconds = time.perf_counter() - started
    for process in processes:
        process.wait()
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        run = env["itscope.sync.run"].browse(run_id)
        summary = (run.state, run.created_count, run.error_count, len(run.export_chunk_ids))
        cr.execute("SELECT count(*) FROM product_supplierinfo WHERE itscope_offer_id IS NOT NULL")
        offers = cr.fetchone()[0]
    odoo.sql_db.close_all()
    odoo.modules.registry.Registry.delete(BENCH_DB)
    shutil.rmtree(odoo.tools.config.filestore(BENCH_DB), ignore_errors=True)
    assert summary[:3] == ("done", args.products, 0), summary
    assert offers == 3 * args.products, offers
    return {
        "seconds": seconds,
        "chunks": summary[3],
        "python_cpu": sum(figure["python_cpu"] for figure in figures),
        "postgres_cpu": sum(figure["postgres_cpu"] for figure in figures),
        "load": (load_before, _uptime()),
    }


def work(args):
    """A worker process: load the registry, say READY, read the run's id, then step until the run has ended; print
    its CPU figures as JSON."""
    odoo, registry = _registry(args.addons_path)
    print("READY", flush=True)
    run_id = int(sys.stdin.readline())
    backends = {}  # PostgreSQL backend pid -> its CPU seconds when first used
    profile = os.environ.get("ITSCOPE_BENCH_PROFILE")  # a directory: each worker writes its cProfile statistics there
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    python_started = time.process_time()
    while True:
        with registry.cursor() as cr:
            cr.execute("SELECT pg_backend_pid()")
            pid = cr.fetchone()[0]
            backends.setdefault(pid, bench_import.backend_cpu(pid))
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if env["itscope.sync.run"].browse(run_id).state != "running":
                break
            called = time.perf_counter()
            env["itscope.catalogue.importer"]._cron_itscope_import_exports(worker=args.worker)
        if time.perf_counter() - called < 0.01:
            time.sleep(IDLE_PAUSE)
    if profile:
        profiler.disable()
        profiler.dump_stats(os.path.join(profile, "worker-%d.prof" % args.worker))
    postgres_cpu = sum((bench_import.backend_cpu(pid) or 0) - (cpu or 0) for pid, cpu in backends.items())
    print(json.dumps({"python_cpu": time.process_time() - python_started, "postgres_cpu": postgres_cpu}), flush=True)
    odoo.sql_db.close_all()


def _uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def report(results, count, form):
    print("Export: %d new products with 3 offers each, %s format, %d cores" % (count, form, os.cpu_count()))
    for workers, figures in sorted(results.items()):
        print(
            "%d worker(s): %7.1f s %7.0f products/s  (%d chunks)  CPU per product: %.0f us Python, %.0f us PostgreSQL"
            % (
                workers,
                figures["seconds"],
                count / figures["seconds"],
                figures["chunks"],
                1e6 * figures["python_cpu"] / count,
                1e6 * figures["postgres_cpu"] / count,
            )
        )
        print("    load before: %s\n    load after:  %s" % figures["load"])
    rates = {workers: count / figures["seconds"] for workers, figures in results.items()}
    line = " ".join("workers_%d_per_s=%.0f" % (workers, rate) for workers, rate in sorted(rates.items()))
    if 1 in rates and len(rates) > 1:
        line += " speedup=%.2f" % (rates[max(rates)] / rates[1])  # the most workers against one
    print("RESULT format=%s products=%d %s" % (form, count, line))


if __name__ == "__main__":
    main()
