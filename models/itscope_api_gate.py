from datetime import timezone

from odoo import api, fields, models

from ..itscope.gate import RequestGate


class ItscopeApiGate(models.Model):
    """The rate-limit budget and the 503 breaker of one ITscope host, shared by every worker of this database.

    ITscope limits and blocks by IP address, not by company, so the state is kept per API host (all companies of the
    database share it) and carries no company. Only the gate itself reads and writes it, through its own cursor.
    """

    _name = "itscope.api.gate"
    _description = "ITscope request budget and block"
    _rec_name = "host"

    host = fields.Char(required=True, readonly=True)
    window_start = fields.Datetime(readonly=True)
    window_count = fields.Integer(readonly=True)
    blocked_until = fields.Datetime(readonly=True)

    _sql_constraints = [("host_uniq", "UNIQUE(host)", "One gate per ITscope host.")]

    @api.model
    def _get_request_gate(self, host, budget, window):
        return RequestGate(DatabaseGateStore(self.env.registry, host), budget=budget, window=window)


class DatabaseGateStore:
    """Gate state in PostgreSQL, each operation in its own short transaction.

    A separate cursor is deliberate: a request counted or a block recorded must stay recorded even when the business
    transaction that caused it rolls back, and must be visible at once to crons in other workers. Rows are locked
    FOR UPDATE, so two workers never take the last slot together.
    """

    def __init__(self, registry, host):
        self.registry = registry
        self.host = host

    def _locked_row(self, cr):
        cr.execute(
            """INSERT INTO itscope_api_gate (host, window_count, create_date, write_date)
               VALUES (%s, 0, now() at time zone 'UTC', now() at time zone 'UTC')
               ON CONFLICT (host) DO NOTHING""",
            [self.host],
        )
        cr.execute(
            "SELECT id, window_start, window_count, blocked_until FROM itscope_api_gate WHERE host = %s FOR UPDATE",
            [self.host],
        )
        return cr.fetchone()

    def reserve(self, now, budget, window):
        naive_now = now.astimezone(timezone.utc).replace(tzinfo=None)
        with self.registry.cursor() as cr:
            row_id, start, count, _blocked = self._locked_row(cr)
            if start is None or (naive_now - start).total_seconds() >= window:
                start, count = naive_now, 0
            wait = 0.0
            if count < budget:
                count += 1
            else:
                wait = window - (naive_now - start).total_seconds()
            cr.execute(
                "UPDATE itscope_api_gate SET window_start = %s, window_count = %s WHERE id = %s",
                [start, count, row_id],
            )
        return wait

    def blocked_until(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT blocked_until FROM itscope_api_gate WHERE host = %s", [self.host])
            row = cr.fetchone()
        return row and row[0] and row[0].replace(tzinfo=timezone.utc)

    def block(self, until):
        with self.registry.cursor() as cr:
            row_id = self._locked_row(cr)[0]
            cr.execute(
                "UPDATE itscope_api_gate SET blocked_until = %s WHERE id = %s",
                [until.astimezone(timezone.utc).replace(tzinfo=None), row_id],
            )
