import base64
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.image import image_process

from ..itscope.media import ImageRefused, fetch_image, image_session

_logger = logging.getLogger(__name__)

IMAGE_BATCH = 50  # images fetched per cron call


class ProductTemplate(models.Model):
    _inherit = "product.template"

    itscope_puid = fields.Char(
        string="ITscope ID", readonly=True, copy=False, help="The product's id on ITscope (puid)."
    )
    itscope_manufacturer_id = fields.Many2one(
        "res.partner", string="Manufacturer", index="btree_not_null", domain="[('itscope_is_manufacturer', '=', True)]"
    )
    itscope_manufacturer_sku = fields.Char(string="Manufacturer SKU", index="btree_not_null")
    itscope_product_type_id = fields.Many2one(
        "itscope.product.type", string="ITscope Product Type", index="btree_not_null", copy=False
    )
    itscope_hs_code = fields.Char(string="HS Code", help="Customs tariff number as ITscope reports it.")
    itscope_origin_country_id = fields.Many2one("res.country", string="Country of Origin")
    itscope_deeplink = fields.Char(string="ITscope Link", readonly=True, copy=False)
    itscope_datasheet_url = fields.Char(string="Datasheet", readonly=True, copy=False)
    itscope_datasheet_pdf_url = fields.Char(string="Datasheet (PDF)", readonly=True, copy=False)
    itscope_attributes = fields.Text(string="ITscope Attributes", readonly=True, copy=False)
    itscope_image_url = fields.Char(string="ITscope Image", readonly=True, copy=False)
    itscope_image_pending = fields.Boolean(
        readonly=True, copy=False, help="The ITscope image is still to be downloaded."
    )
    itscope_accessory_puids = fields.Char(
        readonly=True, copy=False, help="ITscope ids of the accessories, linked as soon as those products exist."
    )
    itscope_accessory_ids = fields.Many2many(
        "product.template",
        "itscope_product_accessory_rel",
        "product_tmpl_id",
        "accessory_tmpl_id",
        string="Accessories",
        copy=False,
    )

    itscope_offer_ids = fields.One2many(
        "product.supplierinfo",
        "product_tmpl_id",
        string="ITscope Offers",
        domain=[("itscope_offer_id", "!=", False)],
        readonly=True,
        depends_context=("company",),
        help="Every distributor's ITscope offer of this product, as the last import or price refresh left it.",
    )

    _sql_constraints = [
        ("itscope_puid_uniq", "UNIQUE(itscope_puid)", "An ITscope product can be linked to one product only."),
    ]

    # ------------------------------------------------------------
    # CRUD methods
    # ------------------------------------------------------------

    def unlink(self):
        # The offer history has no foreign key to cascade (itscope.offer.history says why).
        self.env["itscope.offer.history"]._forget(templates=self)
        return super().unlink()

    # ------------------------------------------------------------
    # Action methods
    # ------------------------------------------------------------

    def action_itscope_offer_history(self):
        """The product's offer history as a graph: each distributor's price (or stock) over time."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Price and stock history: %(product)s", product=self.display_name),
            "res_model": "itscope.offer.history",
            "view_mode": "graph,list",
            "views": [[False, "graph"], [False, "list"]],
            "domain": [("product_tmpl_id", "=", self.id)],
            "context": {"graph_groupbys": ["changed_at:day", "partner_id"]},
        }

    # ------------------------------------------------------------
    # Images
    # ------------------------------------------------------------

    def _itscope_fetch_images(self):
        """Download each template's ITscope image; one that cannot be had is given up (until its URL changes)."""
        with image_session() as session:
            for template in self:
                vals = {"itscope_image_pending": False}
                try:
                    content = fetch_image(session, template.itscope_image_url)
                    image_process(content, verify_resolution=True)  # a UserError unless Odoo can read it
                except (ImageRefused, UserError) as error:
                    _logger.info("ITscope image %s not used: %s", template.itscope_image_url, error)
                else:
                    vals["image_1920"] = base64.b64encode(content)
                template.write(vals)

    @api.model
    def _cron_itscope_fetch_images(self):
        """Fetch pending ITscope images, one bounded batch per call; the cron runner commits between calls."""
        domain = [("itscope_image_pending", "=", True)]
        templates = self.with_context(active_test=False).search(domain, limit=IMAGE_BATCH)
        templates._itscope_fetch_images()
        self.env["ir.cron"]._notify_progress(
            done=len(templates), remaining=self.with_context(active_test=False).search_count(domain)
        )
