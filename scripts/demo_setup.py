# Run inside `odoo shell` by scripts/demo.sh: set the main company up as ITscope's users are (a German reseller:
# EUR, the German chart of accounts SKR03 with 19 % VAT, German language), connect it to the sandbox and run every
# sync. Safe to run again on the same database: each step only does what is not done yet.
import os
import sys

company = env.ref("base.main_company")  # noqa: F821 (env is given by odoo shell)

# A German reseller. The chart must come before the first product: imported products take the company's default
# purchase tax, and bills drafted from the sandbox's INVOICEs (19 % VAT) must add up to the distributor's totals.
if company.chart_template != "de_skr03":
    germany = env.ref("base.de")  # noqa: F821
    euro = env.ref("base.EUR")  # noqa: F821
    euro.active = True
    company.write(
        {
            "name": "IT-Systemhaus Demo GmbH",
            "country_id": germany.id,
            "currency_id": euro.id,
            "street": "Musterstraße 1",
            "zip": "76131",
            "city": "Karlsruhe",
            "vat": "DE123456788",
        }
    )
    env["account.chart.template"].try_loading("de_skr03", company, install_demo=False)  # noqa: F821
    # Loading the chart installed l10n_de and so rebuilt the registry: continue in an environment on the new one.
    env = env.__class__(env.cr, env.uid, env.context)  # noqa: F821
    company = env.ref("base.main_company")
    print("Company: German chart of accounts (SKR03), EUR, 19 % VAT")
if "de_DE" not in dict(env["res.lang"].get_installed()):  # noqa: F821 (German terms for the German user)
    env["base.language.install"].create({"lang_ids": [(6, 0, [env.ref("base.lang_de").id])]}).lang_install()  # noqa: F821
env.ref("base.user_admin").lang = "de_DE"  # noqa: F821

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
unmapped = env["itscope.distributor"].search(  # noqa: F821
    [("company_id", "=", company.id), ("partnered", "=", True), ("partner_id", "=", False)]
)
if unmapped:
    unmapped.action_create_vendor()
export = env["itscope.export"].search([("company_id", "=", company.id)], limit=1) or env["itscope.export"].create(  # noqa: F821
    {"name": "Sandbox catalogue", "export_ref": "5a9d1000-c0de-4e57-8a7e-000000000103", "company_id": company.id}
)
run = export._itscope_download_and_import()
while run.state == "running":
    env["itscope.catalogue.importer"]._import_export_batch(run)  # noqa: F821
print("%s: %s" % (run.display_name, run.summary))
run = env["itscope.price.refresh"]._refresh(company)  # noqa: F821
print("%s: %s" % (run.display_name, run.summary))
env.cr.commit()  # noqa: F821 (a shell script, not business code: the demo database must keep its set-up)
