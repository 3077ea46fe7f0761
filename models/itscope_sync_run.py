import contextlib
import logging
import re
from concurrent.futures import ThreadPoolExecutor

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..itscope.errors import ItscopeError
from ..itscope.exports import count_products

_logger = logging.getLogger(__name__)

MAX_LOG_LINES = 2000  # a run with more bad items keeps the first ones and counts the rest
# A file system path in an error text (/var/lib/odoo/filestore/…): kept out of what people read.
_PATH = re.compile(r"(?<![\w/])(?:/[\w.@+-]+){2,}/?")


class ItscopeSyncRun(models.Model):
    """One run of any ITscope sync (master data, catalogue, prices, deals, documents, quotes): what it did and what
    failed.

    Every sync opens a run before its first request and closes it whatever happens, so no run is ever silent: the
    work itself happens in a savepoint, so a crash rolls the work back but keeps the run, marked failed, with the
    reason; a failed run leaves an activity for the company's ITscope administrators.
    """

    _name = "itscope.sync.run"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "ITscope Sync Run"
    _order = "started_at desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    kind = fields.Selection(
        [
            ("master_data", "Master data"),
            ("catalogue", "Catalogue"),
            ("prices", "Prices and stock"),
            ("deals", "Orders"),
            ("documents", "Documents"),
            ("quotes", "Quotes"),
        ],
        required=True,
        readonly=True,
    )
    source = fields.Selection(
        [
            ("scheduled", "Scheduled"),
            ("export", "Export download"),
            ("upload", "Uploaded export"),
            ("search", "Add from ITscope"),
            ("share", "Share"),
            ("quote", "Quote"),
            ("refresh", "Price refresh"),
        ],
        default="scheduled",
        required=True,
        readonly=True,
        help="What started the run: a scheduled action, an export, a search, a shared product, a quote, ...",
    )
    started_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    ended_at = fields.Datetime(readonly=True)
    duration = fields.Float(string="Duration (s)", compute="_compute_duration", store=True, aggregator="sum")
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("partial", "Partially failed"),
            ("failed", "Failed"),
        ],
        default="running",
        required=True,
        readonly=True,
        tracking=True,
    )
    created_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    skipped_count = fields.Integer(string="Skipped", readonly=True)
    error_count = fields.Integer(string="Errors", readonly=True)
    error_log = fields.Text(
        readonly=True, help="One line per item that could not be processed: its ITscope id and why."
    )
    note_log = fields.Text(
        string="Notes", readonly=True, help="What the run noticed that is no error, e.g. files an export holds besides."
    )
    failure = fields.Text(readonly=True, help="Why the run as a whole failed.")
    export_attachment_id = fields.Many2one("ir.attachment", string="Export File", readonly=True, ondelete="set null")
    export_id = fields.Many2one(
        "itscope.export", readonly=True, ondelete="set null", help="The export the file comes from."
    )
    export_full = fields.Boolean(
        string="Full Export",
        readonly=True,
        help="Offers of products the export listed before and no longer lists become unavailable.",
    )
    export_position = fields.Integer(
        string="Products Read", readonly=True, help="Checkpoint: how many products of the export are imported."
    )
    export_total = fields.Integer(
        string="Products in Export",
        readonly=True,
        help="How many products the export lists, counted when its import starts; 0 while not known.",
    )
    progress = fields.Float(string="Progress (%)", compute="_compute_progress")
    progress_text = fields.Char(string="Progress", compute="_compute_progress", help="Products read of the export's.")
    summary = fields.Char(compute="_compute_summary")

    # ------------------------------------------------------------
    # Compute methods
    # ------------------------------------------------------------

    @api.depends("started_at", "ended_at")
    def _compute_duration(self):
        for run in self:
            run.duration = (run.ended_at - run.started_at).total_seconds() if run.ended_at else 0.0

    @api.depends("created_count", "updated_count", "unchanged_count", "skipped_count", "error_count", "state")
    def _compute_summary(self):
        for run in self:
            run.summary = self.env._(
                "%(state)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped, "
                "%(errors)s errors",
                state=dict(run._fields["state"]._description_selection(self.env))[run.state],
                created=run.created_count,
                updated=run.updated_count,
                unchanged=run.unchanged_count,
                skipped=run.skipped_count,
                errors=run.error_count,
            )

    @api.depends("export_position", "export_total", "state")
    def _compute_progress(self):
        for run in self:
            total = run.export_total
            done = total if run.state in ("done", "partial") else min(run.export_position, total)
            run.progress = 100.0 * done / total if total else 0.0
            run.progress_text = (
                self.env._(
                    "%(done)s / %(total)s (%(percent)s %%)",
                    done=formatLang(self.env, done, digits=0),
                    total=formatLang(self.env, total, digits=0),
                    percent=formatLang(self.env, run.progress, digits=0),
                )
                if total
                else False
            )

    @api.depends("kind", "started_at")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for run in self:
            run.display_name = "%s %s" % (kinds.get(run.kind, ""), fields.Datetime.to_string(run.started_at) or "")

    # ------------------------------------------------------------
    # Running
    # ------------------------------------------------------------

    @api.model
    def _run(self, company, kind, work, **vals):
        """Open a run (``vals``: more of its values, such as its ``source``), call ``work(run)`` under
        :meth:`_recording_failure`, close the run; return it.

        Bad items that ``work`` reports through :meth:`_add_error` make the run partially failed.
        """
        run = self._open(company, kind, **vals)
        with run._recording_failure():
            work(run)
        if run.state == "running":
            run._finish()
        return run

    @api.model
    def _open(self, company, kind, **vals):
        """A new running run of ``company`` (``vals``: more of its values), before the sync's first request."""
        return self.sudo().create({"company_id": company.id, "kind": kind, **vals})

    @contextlib.contextmanager
    def _recording_failure(self):
        """Run the block in a savepoint and end the run failed, with the reason, when the block raises.

        The one failure handling of every sync: the block's work is rolled back but the run is kept, and the error
        goes no further. ITscope errors (blocked, refused, unreachable) and refusals worded for people (UserError)
        give their message; any other crash is logged with its traceback and gives only its type and the first line
        of its text, without the server's file paths (:func:`_short_reason`). A block that ends
        normally leaves the run running: :meth:`_run` then finishes it, an export import's batch leaves it open for
        the next batch.
        """
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                yield self
        except ItscopeError as error:
            self._fail(self._texts()["itscope.service"]._error_message(error))
        except UserError as error:
            self._fail(error.args[0])
        except Exception as error:  # noqa: BLE001 - any crash must end in a visible failed run, not a silent one
            _logger.exception("ITscope %s sync %s of company %s crashed", self.kind, self.id, self.company_id.id)
            self._fail(
                self._texts()._(
                    "The sync stopped on an unexpected error (%(error)s). The server log has the details; ask your "
                    "administrator if it happens again.",
                    error=_short_reason(error),
                )
            )

    def _texts(self):
        """The environment a run's texts (errors, notes, failure) are written in: the language of the user who runs
        the sync, else, for a scheduled action (it runs without one), the company's, as the other scheduled actions
        write theirs; the company is this run's, or without a run the current one. Only the texts: the work itself
        keeps its environment (a catalogue import writes product names in the language of the one who runs it)."""
        company = self.company_id if self else self.env.company
        return self.with_context(lang=self.env.lang or company.partner_id.lang or "en_US").env

    def _count(self, created=0, updated=0, unchanged=0, skipped=0):
        self.ensure_one()
        self.write(
            {
                "created_count": self.created_count + created,
                "updated_count": self.updated_count + updated,
                "unchanged_count": self.unchanged_count + unchanged,
                "skipped_count": self.skipped_count + skipped,
            }
        )

    def _add_error(self, itscope_id, reason):
        """Log one bad item (it is skipped, the run goes on)."""
        self._add_errors([(itscope_id, reason)])

    def _add_errors(self, problems, count=True):
        """Log several ``(itscope_id, reason)`` in one write and count them as errors; ``count=False`` logs notes that
        are no error into the run's notes instead, so the error counter counts what the error log lists."""
        self.ensure_one()
        if not problems:
            return
        log = "error_log" if count else "note_log"
        lines = (self[log] or "").splitlines()
        new_lines = ["%s: %s" % (itscope_id, reason) if itscope_id else reason for itscope_id, reason in problems]
        vals = {log: "\n".join((lines + new_lines)[:MAX_LOG_LINES])}
        if count:
            vals["error_count"] = self.error_count + len(problems)
        self.write(vals)

    def _measure_export(self):
        """Count the products of the run's export file once, so its progress has a total (see
        :func:`count_products`; a file that cannot be counted leaves it unknown).

        The first batch starts the counting once it has read half a batch without reaching the file's end: a file its
        first batch reads whole is counted by that reading (counting it too took a tenth of an unchanged re-import of
        10,000 products). The counting runs in a thread of its own, beside the rest of the batch, which reads the
        same file (the two take the machine's cores rather than one after the other). Returns the function that stores
        the count, waiting for it, to call before the batch ends (the total shows when the batch commits, as its
        progress does); None when there is nothing to count.
        """
        self.ensure_one()
        attachment = self.export_attachment_id
        if not attachment or self.export_total or self.export_position:
            return None
        counter = ThreadPoolExecutor(1, thread_name_prefix="itscope-count")
        counting = counter.submit(count_products, attachment._full_path(attachment.store_fname))
        counter.shutdown(wait=False)  # its thread ends with the count

        def store():
            self.export_total = counting.result() or 0

        return store

    def _finish(self):
        self.write({"state": "partial" if self.error_count else "done", "ended_at": fields.Datetime.now()})
        if self.error_count:
            self._notify_administrators()

    def _fail(self, reason):
        self.write({"state": "failed", "failure": reason, "ended_at": fields.Datetime.now()})
        self._notify_administrators()

    def _notify_administrators(self):
        group = self.env.ref("itscope_connector.group_itscope_manager")
        admins = group.users.filtered(lambda user: self.company_id in user.company_ids and not user.share)
        for admin in admins:
            run = self.with_context(lang=admin.lang)  # the summary in the language of whom it is for
            run.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=admin.id,
                summary=run.env._("ITscope sync needs a look: %(run)s", run=run.display_name),
                note=self.failure or self.error_log,
            )


def _short_reason(error):
    """``Type: message`` of an exception for people: its first line, without file system paths, at most 300
    characters."""
    message = _PATH.sub("…", str(error).strip().split("\n", 1)[0])
    reason = "%s: %s" % (type(error).__name__, message) if message else type(error).__name__
    return reason if len(reason) <= 300 else reason[:299] + "…"
