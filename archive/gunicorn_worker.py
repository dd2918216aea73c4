"""A gunicorn worker that no slow or half-open connection can stall.

gunicorn's threaded worker (gthread) gives a connection a thread as soon as its first bytes
arrive, then reads the rest of the request head in that thread with a blocking read: a client
that sends half a header and stops holds the thread for as long as it keeps the connection
open, and `threads` such clients stall the worker. This worker reads the head without
blocking, on the worker's poller: a thread is committed only once the whole head is here
(or the connection is closed after HEAD_TIMEOUT seconds, or HEAD_MAX_BYTES bytes, without
one). Reads of a request body and writes of a response give up after IO_TIMEOUT seconds
without progress, so a client that stops reading or sending frees its thread too.

Measured by tests/test_slow_clients.py: with 2 threads, 40 half-sent heads and 4 stalled
bodies held open, pages still answer.
"""

import socket
import struct
import time

from gunicorn.workers import gthread

HEAD_TIMEOUT = 10.0
HEAD_MAX_BYTES = 64 * 1024
IO_TIMEOUT = 30


class ThreadWorker(gthread.ThreadWorker):
    def handle(self, conn):
        if self.cfg.is_ssl:
            return super().handle(conn)  # TLS ends at the proxy here; keep gunicorn's path
        head = getattr(conn, "head", b"")
        if conn.initialized:
            head += conn.parser.unreader.take_buffered()
        else:
            _bound_blocking_io(conn.sock)
        while not _complete(head):
            try:
                data = conn.sock.recv(HEAD_MAX_BYTES)
            except BlockingIOError:
                break  # nothing more for now
            except OSError:
                return False
            if not data or len(head) + len(data) > HEAD_MAX_BYTES:
                return False  # closed by the client, or a head no server would accept
            head += data
        if not _complete(head):
            now = time.monotonic()
            if not head:
                conn.head_deadline = None
            elif getattr(conn, "head_deadline", None) is None:
                conn.head_deadline = now + HEAD_TIMEOUT
            elif now > conn.head_deadline:
                return False
            conn.head = head
            conn.sock.setblocking(False)
            return gthread._DEFER  # back to the poller until more arrives: no thread held
        conn.head, conn.head_deadline = b"", None
        if not conn.initialized:
            conn.data_ready = True
            conn.init()
        conn.parser.unreader.unread(head)
        return super().handle(conn)


def _complete(head: bytes) -> bool:
    return b"\r\n\r\n" in head or b"\n\n" in head


def _bound_blocking_io(sock: socket.socket) -> None:
    """A blocking recv or send fails after IO_TIMEOUT seconds without progress (the kernel's
    SO_RCVTIMEO / SO_SNDTIMEO hold even where gunicorn switches the socket to blocking)."""
    timeout = struct.pack("ll", IO_TIMEOUT, 0)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeout)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeout)
