"""Django's PostgreSQL backend, with a connection health check that asks the server only
when the connection may have gone.

CONN_HEALTH_CHECKS makes Django check a kept connection at the start of each request
(`is_usable`); Django's check runs `SELECT 1`, a round trip on every request, which under
load was a tenth of a request's time (waiting for PostgreSQL's turn on the CPU). An idle
connection that the server has closed (a restart, a terminated backend) has its socket
readable: the end of the stream, or the server's goodbye. So the socket is polled first,
which costs a system call, and only a readable one is asked `SELECT 1`.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        if not readable:
            return True  # nothing from the server since the last answer: still there
        return super().is_usable()
