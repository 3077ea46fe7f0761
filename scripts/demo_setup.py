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
ok, message = company._itscope_test_connection()
print("Test connection:", message)
if not ok:
    sys.exit(1)
for run in company._itscope_sync_all():
    print("%s: %s" % (run.display_name, run.summary))
env.cr.commit()  # noqa: F821 (a shell script, not business code: the demo database must keep its set-up)
