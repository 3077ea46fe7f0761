# Run inside `odoo shell` by scripts/demo.sh: connect the main company to the sandbox and run every sync once.
import os
import sys

company = env.ref("base.main_company")  # noqa: F821 (env is given by odoo shell)
company.write(
    {
        "itscope_account_id": "demo",
        "itscope_api_key": "demo-key",
        "itscope_base_url": os.environ["SANDBOX_URL"],
    }
)
ok, message = env["itscope.service"]._test_connection(company)
print("Test connection:", message)
if not ok:
    sys.exit(1)
for run in env["itscope.service"]._sync_all(company):
    print("%s: %s" % (run.display_name, run.summary))

# A purchaser's starting point: vendors for the partner distributors, the sandbox's full catalogue as the company's
# export (imported now, batch by batch as the cron would), and orders sent through ITscope on confirmation.
company.itscope_send_orders = True
env["itscope.distributor"].search([("company_id", "=", company.id), ("partnered", "=", True)]).action_create_vendor()
export = env["itscope.export"].search([("company_id", "=", company.id)], limit=1) or env["itscope.export"].create(
    {"name": "Sandbox catalogue", "export_ref": "5a9d1000-c0de-4e57-8a7e-000000000103", "company_id": company.id}
)
run = export._itscope_download_and_import()
while run.state == "running":
    env["itscope.catalogue.importer"]._import_export_batch(run)
print("%s: %s" % (run.display_name, run.summary))
run = env["itscope.price.refresh"]._refresh(company)
print("%s: %s" % (run.display_name, run.summary))
env.cr.commit()  # noqa: F821 (a shell script, not business code: the demo database must keep its set-up)
