"""gunicorn settings for `make run`, the Docker image and `make loadtest` (gunicorn reads
./gunicorn.conf.py by itself; the environment overrides each figure).

Threads, not sync workers: a sync worker is held by one slow client for as long as it
dawdles. archive.gunicorn_worker.ThreadWorker reads each request head on the worker's poller
and gives a thread only to a complete request, so half-open connections cost no thread.
"""

import os

# Loopback unless told otherwise: the image sets GUNICORN_HOST=0.0.0.0 behind its proxy.
host = os.environ.get("GUNICORN_HOST", "127.0.0.1")
bind = f"{host}:{os.environ.get('PORT', '8000')}"
worker_class = "archive.gunicorn_worker.ThreadWorker"
# One process per core. Two threads each: one overlaps the other's waits on PostgreSQL and
# Tantivy (which release the GIL); more only share one core's GIL among more requests, so each
# takes longer and the slowest far longer (make loadtest, 50 clients: 8 threads p99 956 to
# 1 348 ms, 2 threads 559 to 894 ms, 10 % more requests answered). Requests waiting for a
# thread queue in order; a client sending slowly holds none (archive.gunicorn_worker).
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
# Each worker holds at most this many connections (idle keep-alive ones included).
worker_connections = int(os.environ.get("GUNICORN_CONNECTIONS", 1000))
# Long: a scanned PDF is read by OCR while the editor waits for the review page.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 300))
graceful_timeout = 30
keepalive = 5
# The request head: gunicorn's defaults, stated. The body is limited by the application
# (REQUEST_BODY_MAX_BYTES), before it is read.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# `make run` and the image log requests to stdout ("-"); tests leave it unset.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
