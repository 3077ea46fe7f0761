import dataclasses
from datetime import timedelta

from odoo import api, fields, models

from ..itscope import records


class ItscopeMasterData(models.AbstractModel):
    """The master-data sync: ITscope's distributors, manufacturers and product types of a company, on the company's
    interval (Settings > Purchase > ITscope)."""

    _name = "itscope.master.data"
    _description = "ITscope Master Data Sync"

    @api.model
    def _sync(self, company):
        """Distributors, manufacturers and product types: fetch all three first, then write what changed; return the
        sync run."""
        company.ensure_one()

        def work(run):
            with self.env["itscope.service"]._client(company) as client:
                distributors, problems = records.read_distributors(client.distributors("company"))
                services, service_problems = records.read_distributors(client.distributors("eservices"))
                manufacturers, manufacturer_problems = records.read_manufacturers(client.manufacturers())
                product_types, type_problems = records.read_product_types(client.product_types())
            services_by_id = {service.itscope_id: service.eservices for service in services}
            distributors = [
                dataclasses.replace(distributor, eservices=services_by_id.get(distributor.itscope_id, ()))
                for distributor in distributors
            ]
            # Both distributor views list the same companies: report a bad entry once.
            run._add_errors(list(dict.fromkeys(problems + service_problems + manufacturer_problems + type_problems)))
            company_domain = [("company_id", "=", company.id)]
            self.env["itscope.distributor"]._itscope_upsert(company, distributors, run)
            self.env["itscope.distributor"].search(company_domain)._itscope_suggest_partners()
            self.env["itscope.manufacturer"]._itscope_upsert(company, manufacturers, run)
            self.env["itscope.manufacturer"].search(company_domain)._itscope_map_partners()
            self.env["itscope.product.type"]._itscope_upsert(company, product_types, run)

        company.itscope_master_data_last_run = fields.Datetime.now()
        return self.env["itscope.sync.run"]._run(company, "master_data", work)

    @api.model
    def _due(self, company):
        """Whether ``company``'s interval has passed since its last master-data sync (never, when it is 0)."""
        company.ensure_one()
        if not company.itscope_account_id or not company.itscope_master_data_interval:
            return False
        last = company.itscope_master_data_last_run
        return not last or last + timedelta(hours=company.itscope_master_data_interval) <= fields.Datetime.now()

    @api.model
    def _cron_itscope_sync_master_data(self):
        """Sync one due company per batch; the cron runner commits between batches and calls again while some remain."""
        due = self.env["res.company"].search([("itscope_account_id", "!=", False)]).filtered(self._due)
        if due:
            company = due[0].with_company(due[0])
            self.with_company(company).with_context(lang=company.partner_id.lang)._sync(company)
        self.env["ir.cron"]._notify_progress(done=min(len(due), 1), remaining=max(len(due) - 1, 0))
