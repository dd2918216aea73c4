# Production image: gunicorn behind your HTTPS proxy, configured by the environment:
#   DATABASE_URL (required here), SECRET_KEY, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, PRODUCTION=1.
# Two volumes: the search index (this machine's own copy, derived from PostgreSQL: keeping it
# across restarts saves a rebuild) and the uploaded originals (MEDIA_ROOT: mount the storage
# every web machine shares there). See README, "Deployment".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=archive.settings \
    PRODUCTION=1 \
    PORT=8000 \
    GUNICORN_HOST=0.0.0.0 \
    GUNICORN_ACCESS_LOG=- \
    SEARCH_INDEX_DIR=/var/lib/archive/search-index \
    MEDIA_ROOT=/app/media

# Scanned PDF pages are read by OCR: pdftoppm renders them, tesseract reads them (English,
# French, Spanish). Without these, image-only PDFs are refused (archive/extract.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        poppler-utils tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-spa \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 archive
WORKDIR /app

COPY pyproject.toml README.md ./
COPY archive ./archive
RUN pip install .

COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static
COPY fixtures ./fixtures
# collectstatic needs no database; the key is only for this build step.
# The volumes' mount points exist, owned by the app's user, before VOLUME: a new volume
# starts with that ownership.
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p /app/media /var/lib/archive/search-index \
    && chown archive:archive /app/media /var/lib/archive/search-index
VOLUME ["/var/lib/archive/search-index", "/app/media"]

USER 10001
EXPOSE 8000
# Start: migrate, then bring the index up to date with PostgreSQL's change log (built from
# PostgreSQL when the volume is new, or its index missing, corrupt or of another schema; only
# the pending changes otherwise), then serve; each worker then follows the change log itself.
# gunicorn.conf.py: threaded workers that no slow client can stall, a long timeout for OCR;
# WEB_CONCURRENCY, GUNICORN_THREADS and GUNICORN_TIMEOUT override its figures.
CMD ["sh", "-c", "python manage.py migrate --no-input && python manage.py search_index update && exec gunicorn archive.wsgi --config gunicorn.conf.py"]
