"""Parallel export imports: a large export file imported as independent chunks that several cron workers take at once.

Odoo runs one cron record in one worker at a time, so an export import advanced by one cron uses one core of the Odoo
side. A file of at least ``CHUNKED_FROM`` batches, imported while the system parameter
``itscope_connector.import_workers`` asks for more than one worker (default 1, at most ``MAX_WORKERS``; one cron record
each: the addon has four, more are copies of the import cron with ``worker=N`` in their code), is split when its
import starts:

- **Chunks**: runs of whole batches of the file (``first`` to ``stop``, multiples of the batch size), each with a *part
  run*: an archived ``itscope.sync.run`` that ``_import_export_batch`` advances exactly as it advances a whole run: its
  checkpoint, counts, errors, notes and the products a full export listed. Every batch of a chunk is a batch one worker
  would read (same boundaries, same products); the chunk's own row carries its checkpoint (``position``) too, so a
  worker that claims it knows it sees its latest state (see ``_claim``).
- **Workers**: the cron "ITscope: import catalogue exports" and its "(worker N)" copies. Each call claims one chunk
  (``FOR UPDATE SKIP LOCKED``), does one step on it and returns; the cron runner commits and calls again. So N workers
  advance N chunks at once, and a killed worker's chunk resumes at its checkpoint in whichever worker takes it next.
- **File order where products meet**: before any chunk writes, every chunk is read once for the keys its new or changed
  products touch (their ITscope id, EAN, manufacturer SKU, the offers they bring: phase ``scan``). A batch that shares
  a key with a batch of an earlier chunk waits until that batch is committed; batches that share none run at the same
  time. So two products that meet on an EAN, a manufacturer SKU, an ITscope id or an offer are written in file order,
  the second seeing the first, as one worker writes them: no duplicate product or offer, and the same product wins a
  contested EAN or an existing product to link. (Should the order ever miss one, the unique indexes on the ITscope id,
  the binding and the offer refuse the duplicate: that batch fails and rolls back, nothing is written twice.) Waiting
  is a lock wait on the chunk row the other worker holds, not a poll. Accessories are no key: nearly every product
  lists some, anywhere in the file, and waiting for them made the chunks run one after the other. The links come out
  the same (the run's end links what a batch could not yet); only a re-imported product whose accessory another chunk
  creates may count as updated where one worker counts it unchanged, or the other way round.
- **End**: the run finishes exactly once, in the first worker call that finds all its chunks done and gets its row
  (``NOWAIT``): the parts' counts are summed into it, their errors and notes appended in file order (a note once), then
  ``_finish_export_import`` does what it does after one worker. A failed part fails the run with its reason.

No batch of a chunk writes the run's own row: under Odoo's repeatable-read transactions, two workers updating one row
would make the second fail with a serialization error.
"""

import hashlib
import itertools

from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL, formatLang

from ..itscope.catalogue_rows import chunks, interpreter_tuned_for_import, read_changed, with_digests
from ..itscope.exports import iter_raw
from . import itscope_catalogue_importer as importer_module
from .itscope_sync_run import MAX_LOG_LINES

WORKERS_PARAMETER = "itscope_connector.import_workers"
DEFAULT_WORKERS = 1  # opt-in: more workers need as many free cron threads (max_cron_threads)
MAX_WORKERS = 16  # the addon's cron records are ir_cron_itscope_catalogue_import and its copies _2 .. _4
CHUNKED_FROM = 2  # batches: a smaller file is imported by one worker
CHUNKS_PER_WORKER = 2  # fewer chunks: each chunk reads the file up to its first product once

# The export streams this process left, so the next step that starts where one stopped, or further on, continues it
# instead of reading the export again from its start: (database, run id, position) -> iterator. A chunk's last step
# leaves the stream at the next chunk's first product; workers prefer the chunks whose stream they hold (reading a
# CSV-zip export up to a position costs about 90 us a product).
_OPEN_STREAMS = {}
# A chunk row another transaction holds or changed since this one began: someone else is on it.
_BUSY = (errors.LockNotAvailable, errors.SerializationFailure)


class ItscopeSyncRun(models.Model):
    _inherit = "itscope.sync.run"

    active = fields.Boolean(default=True, help="Archived: the part run of one chunk of a parallel export import.")
    export_chunk_ids = fields.One2many("itscope.export.chunk", "run_id", string="Chunks", readonly=True)

    @api.depends("export_chunk_ids.position", "export_chunk_ids.state")
    def _compute_progress(self):
        """A chunked import's progress: the products its chunks have imported (its own checkpoint moves at its end)."""
        result = super()._compute_progress()
        for run in self.filtered(lambda run: run.state == "running" and run.export_chunk_ids and run.export_total):
            done = sum(chunk.position - chunk.first for chunk in run.export_chunk_ids if chunk.state != "scan")
            run.progress = 100.0 * min(done, run.export_total) / run.export_total
            run.progress_text = self.env._(
                "%(done)s / %(total)s (%(percent)s %%)",
                done=formatLang(self.env, min(done, run.export_total), digits=0),
                total=formatLang(self.env, run.export_total, digits=0),
                percent=formatLang(self.env, run.progress, digits=0),
            )
        return result


class ItscopeExportChunk(models.Model):
    _name = "itscope.export.chunk"
    _description = "ITscope Export Import Chunk"
    _order = "run_id, first"

    run_id = fields.Many2one("itscope.sync.run", required=True, index=True, ondelete="cascade", readonly=True)
    part_run_id = fields.Many2one(
        "itscope.sync.run",
        required=True,
        ondelete="cascade",
        readonly=True,
        help="The archived run the chunk's batches advance: checkpoint (relative to First), counts, errors, notes.",
    )
    first = fields.Integer(readonly=True, help="Position in the export of the chunk's first product.")
    stop = fields.Integer(readonly=True, help="Position after the chunk's last product; 0: to the end of the export.")
    position = fields.Integer(readonly=True, help="Checkpoint: the position up to which the chunk is imported.")
    state = fields.Selection(
        [("scan", "Reading keys"), ("import", "Importing"), ("done", "Done")],
        default="scan",
        required=True,
        readonly=True,
    )

    # ------------------------------------------------------------
    # Splitting
    # ------------------------------------------------------------

    @api.model
    def _workers(self):
        """How many cron workers import an export at once (system parameter, 1 to MAX_WORKERS)."""
        value = self.env["ir.config_parameter"].sudo().get_param(WORKERS_PARAMETER, DEFAULT_WORKERS)
        try:
            return min(max(int(value), 1), MAX_WORKERS)
        except (TypeError, ValueError):
            return DEFAULT_WORKERS

    @api.model
    def _split(self, run, workers):
        """Split the not yet started import ``run`` into chunks of whole batches when it is large enough for
        ``workers`` workers; returns whether it was split. With several workers the file is counted here (the run's
        total), else as its first batch is read."""
        if workers < 2:
            return False
        store_total = run._measure_export()
        if store_total:
            store_total()
        batch_size = importer_module.BATCH_SIZE
        total = run.export_total
        if total < CHUNKED_FROM * batch_size:
            return False
        size = -(-total // (workers * CHUNKS_PER_WORKER))
        size = max(batch_size, -(-size // batch_size) * batch_size)
        for first in range(0, total, size):
            part = self.env["itscope.sync.run"]._open(
                run.company_id,
                "catalogue",
                source=run.source,
                active=False,
                export_full=run.export_full,
                export_id=run.export_id.id,
            )
            stop = first + size if first + size < total else 0  # the last chunk reads to the end, whatever follows
            self.sudo().create(
                {"run_id": run.id, "part_run_id": part.id, "first": first, "stop": stop, "position": first}
            )
        return True

    # ------------------------------------------------------------
    # Advancing
    # ------------------------------------------------------------

    @api.model
    def _advance(self):
        """One step of the chunked imports: finish a run whose chunks are all done, else read one chunk's keys, else
        import the next batch of a chunk that waits for no other, else wait for the worker holding the chunk this one
        waits for. Returns ``(done, remaining)`` for the cron's progress, or None when no chunked import runs."""
        runs = (
            self.env["itscope.sync.run"]
            .sudo()
            .search(
                [("kind", "=", "catalogue"), ("state", "=", "running"), ("export_chunk_ids", "!=", False)], order="id"
            )
        )
        if not runs:
            return None
        remaining = len(runs.export_chunk_ids.filtered(lambda chunk: chunk.state != "done"))
        for key in [key for key in _OPEN_STREAMS if key[0] == self.env.cr.dbname and key[1] not in runs.ids]:
            _OPEN_STREAMS.pop(key, None)  # of imports that have ended
        waiting = self.browse()
        for run in runs:
            chunks_ = run.export_chunk_ids.sudo()
            if all(chunk.state == "done" for chunk in chunks_) or any(
                part.state == "failed" for part in chunks_.part_run_id
            ):
                if self._close(run):
                    return 1, remaining
                continue
            scanning = chunks_.filtered(lambda chunk: chunk.state == "scan")
            for chunk in scanning.sorted(_stream_first):
                if chunk._claim():
                    chunk._scan()
                    return 1, remaining
            if scanning:
                waiting = waiting or scanning[0]
                continue
            for chunk in chunks_.filtered(lambda chunk: chunk.state == "import").sorted(_stream_first):
                holder = chunk._waits_for(chunks_)
                if holder:
                    waiting = waiting or holder
                elif chunk._claim():
                    chunk._import_batch()
                    return 1, remaining
                else:
                    waiting = waiting or chunk
        if waiting:
            waiting._wait()
        return 1, remaining

    def _claim(self):
        """Lock the chunk for this transaction unless another worker holds it or changed it since this transaction
        began (its row changes with every step: what this transaction reads of a chunk it claims is its latest
        state)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM itscope_export_chunk WHERE id = %s FOR UPDATE SKIP LOCKED", self.id),
                    log_exceptions=False,
                )
                return bool(self.env.cr.fetchall())
        except _BUSY:
            return False

    def _wait(self):
        """Wait until the worker holding this chunk commits its step (then this worker's next call sees it); returns
        False when that step changed the chunk (the lock is then refused: this transaction began before)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM itscope_export_chunk WHERE id = %s FOR UPDATE", self.id), log_exceptions=False
                )
        except _BUSY:
            return False
        return True

    def _stream(self, position):
        """The export from ``position`` on: the stream this process left nearest before it, read on up to it, else the
        export read anew up to it."""
        run = (self.env.cr.dbname, self.run_id.id)
        kept = _nearest_stream(run, position)
        payloads = _OPEN_STREAMS.pop((*run, kept), None) if kept is not None else None
        if payloads is None:
            attachment = self.run_id.export_attachment_id.sudo()
            return itertools.islice(iter_raw(attachment._full_path(attachment.store_fname)), position, None)
        return itertools.islice(payloads, position - kept, None) if position > kept else payloads

    def _keep(self, position, payloads):
        """Keep the stream, now at ``position``, for the next step in this process that starts there."""
        _OPEN_STREAMS[(self.env.cr.dbname, self.run_id.id, position)] = payloads

    def _limit(self, batch_size):
        """How many products the chunk's next step reads: a batch, or what is left of the chunk."""
        return min(batch_size, self.stop - self.position) if self.stop else batch_size

    def _importer(self):
        company = self.run_id.company_id
        return self.env["itscope.catalogue.importer"].with_company(company).with_context(tracking_disable=True)

    def _scan(self):
        """Record the keys the new or changed products of the chunk's next batch touch (see the module docstring); the
        chunk's position is the checkpoint of its reading, back at its first product when all is read."""
        self.ensure_one()
        importer = self._importer()
        settings = importer._prepare_settings(self.run_id.company_id, self.part_run_id)
        batch_size = importer_module.BATCH_SIZE
        payloads, limit = self._stream(self.position), self._limit(batch_size)
        keys, read = set(), 0
        with interpreter_tuned_for_import():  # the batches' reading without their garbage collection
            for piece in chunks(itertools.islice(payloads, limit), importer_module.CHUNK_SIZE):
                read += len(piece)
                changed, _unchanged = importer._skip_unchanged(settings, with_digests(settings.digest_seed, piece))
                for item in read_changed(settings, changed)[0] if changed else ():
                    keys.update(_keys(item))
        if keys:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO itscope_export_key (run_id, batch, key) SELECT %s, %s, unnest(%s::bigint[])",
                    self.run_id.id,
                    self.position // batch_size,
                    sorted(keys),
                )
            )
        position = self.position + read
        payloads, ended = _peek_end(payloads) if read == limit and not self.stop else (payloads, read < limit)
        if not ended:
            self._keep(position, payloads)
        if ended or position == self.stop:
            self.write({"state": "import", "position": self.first})
        else:
            self.position = position

    def _waits_for(self, siblings):
        """The chunk among ``siblings`` (the run's chunks) holding a batch not yet committed that shares a key with
        this chunk's next batch and comes before it in the file; empty when there is none."""
        self.ensure_one()
        batch_size = importer_module.BATCH_SIZE
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT o.batch FROM itscope_export_key k
                     JOIN itscope_export_key o ON o.run_id = k.run_id AND o.key = k.key AND o.batch < %s
                    WHERE k.run_id = %s AND k.batch = %s""",
                self.first // batch_size,
                self.run_id.id,
                self.position // batch_size,
            )
        )
        for (batch,) in self.env.cr.fetchall():
            holder = siblings.filtered(
                lambda chunk, batch=batch: chunk.first <= batch * batch_size < (chunk.stop or 1e18)
            )
            if holder and holder.state != "done" and holder.position < (batch + 1) * batch_size:
                return holder[0]
        return self.browse()

    def _import_batch(self):
        """Import the chunk's next batch through ``_import_export_batch`` on its part run (which closes the part, via
        ``_finish_export_import``, when the chunk's last product is read)."""
        self.ensure_one()
        batch_size = importer_module.BATCH_SIZE
        part = self.part_run_id
        payloads, limit = self._stream(self.position), self._limit(batch_size)
        if limit < batch_size or (self.stop and self.position + limit == self.stop):
            # the chunk's last batch, read to its end only: reading fewer than asked ends the part
            chunk_payloads, batch_size = itertools.islice(payloads, limit), limit + 1
        else:
            chunk_payloads = payloads
        importer = self._importer()
        read = importer._import_export_batch(part, chunk_payloads, batch_size=batch_size)
        if part.state == "running" and read == limit and not self.stop:
            payloads, ended = _peek_end(payloads)
            if ended:  # the export ends with this batch: end the part now, not in a step that reads nothing
                importer._import_export_batch(part, iter(()), batch_size=1)
        self.position = self.first + part.export_position
        if part.state == "running" and read == limit:
            self._keep(self.position, payloads)

    def _part_done(self):
        """The part run read its chunk's last product: both done (the run's own end comes with the last chunk)."""
        self.part_run_id.write({"state": "done", "ended_at": fields.Datetime.now()})
        self.write({"state": "done", "position": self.first + self.part_run_id.export_position})

    # ------------------------------------------------------------
    # Ending
    # ------------------------------------------------------------

    @api.model
    def _close(self, run):
        """End ``run`` once: failed with the reason of its first failed part, else with the parts' counts, errors and
        notes and what ``_finish_export_import`` does at the end of every import. Returns False when another worker is
        on the run's row (it ends it, or a later call does)."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM itscope_sync_run WHERE id = %s FOR UPDATE NOWAIT", run.id), log_exceptions=False
                )
        except _BUSY:
            return False
        parts = run.export_chunk_ids.sorted("first").part_run_id
        failed = parts.filtered(lambda part: part.state == "failed")
        if failed:
            run._fail(failed[0].failure)
        else:
            errors_, notes = [], []
            for part in parts:
                errors_ += (part.error_log or "").splitlines()
                notes += (part.note_log or "").splitlines()
            run.write(
                {
                    "created_count": run.created_count + sum(parts.mapped("created_count")),
                    "updated_count": run.updated_count + sum(parts.mapped("updated_count")),
                    "unchanged_count": run.unchanged_count + sum(parts.mapped("unchanged_count")),
                    "skipped_count": run.skipped_count + sum(parts.mapped("skipped_count")),
                    "error_count": run.error_count + sum(parts.mapped("error_count")),
                    "error_log": "\n".join(((run.error_log or "").splitlines() + errors_)[:MAX_LOG_LINES]) or False,
                    "note_log": "\n".join(dict.fromkeys((run.note_log or "").splitlines() + notes)) or False,
                    "export_position": sum(parts.mapped("export_position")),
                }
            )
            self.env["itscope.catalogue.importer"].with_company(run.company_id)._finish_export_import(run)
        self.env.cr.execute(SQL("DELETE FROM itscope_export_key WHERE run_id = %s", run.id))
        return True


class ItscopeExportKey(models.Model):
    """The keys the new or changed products of each batch of a chunked import touch, as 64-bit digests (a collision
    only makes a batch wait for one it need not wait for). Rows live while their import runs."""

    _name = "itscope.export.key"
    _description = "ITscope Export Import Key"
    _auto = False
    _log_access = False

    run_id = fields.Integer(readonly=True)
    batch = fields.Integer(readonly=True)
    key = fields.Integer(readonly=True)  # bigint in the table

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE TABLE IF NOT EXISTS itscope_export_key (
                       id serial PRIMARY KEY, run_id int NOT NULL, batch int NOT NULL, key bigint NOT NULL);
                   CREATE INDEX IF NOT EXISTS itscope_export_key_batch ON itscope_export_key (run_id, batch);
                   CREATE INDEX IF NOT EXISTS itscope_export_key_key ON itscope_export_key (run_id, key, batch)"""
            )
        )


def _peek_end(payloads):
    """``(payloads, ended)``: whether the stream has ended, and the stream as it was (a product read to see it is put
    back). So the last chunk's last step knows the export ends there; otherwise a further step, in whichever worker
    takes it, would read the whole export up to its end to find nothing."""
    following = next(payloads, _END)
    if following is _END:
        return payloads, True
    return itertools.chain((following,), payloads), False


_END = object()


def _stream_first(chunk):
    """Sort key of the chunks a worker tries: fewest products to read through before the chunk's next step (from the
    nearest stream this process holds before it, else from the export's start), then file order."""
    kept = _nearest_stream((chunk.env.cr.dbname, chunk.run_id.id), chunk.position)
    return (chunk.position - (kept or 0), chunk.first)


def _nearest_stream(run, position):
    """The position of the stream this process holds for ``run`` (database, run id) nearest before ``position``, or
    None when it holds none there."""
    return max((key[2] for key in list(_OPEN_STREAMS) if key[:2] == run and key[2] <= position), default=None)


def _keys(item):
    """Digests of the keys a prepared product touches: its ITscope id, its EAN, its manufacturer SKU and the ITscope
    ids of the offers it brings."""
    product = item.product
    texts = ["p" + product.puid]
    if product.ean:
        texts.append("e" + product.ean)
    if product.manufacturer_sku:
        texts.append("s%s\t%s" % (product.manufacturer_id, product.manufacturer_sku))
    texts += ["o" + offer[0] for offer in item.offers]
    return {
        int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True) for text in texts
    }
