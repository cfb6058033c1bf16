# The production image: gunicorn serving pcc_commissioning.wsgi; the same image runs the
# Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango and HarfBuzz for WeasyPrint (PDF reports); Liberation Sans has Arial's metrics.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Runtime requirements only: everything above the "# tests" line of requirements.txt.
COPY requirements.txt .
RUN sed '/^# tests/,$d' requirements.txt > /tmp/requirements-runtime.txt \
    && pip install -r /tmp/requirements-runtime.txt \
    && rm /tmp/requirements-runtime.txt

COPY . .

# Static files are collected into the image; the build-time key is never used at run time.
ENV STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media
RUN DEBUG=0 SECRET_KEY=build-time-only-collectstatic-key-not-used-at-run-time-0000 \
    python manage.py collectstatic --noinput

RUN useradd --system --create-home --uid 1000 app \
    && mkdir -p /data/media /data/beat \
    && chown -R app:app /data
USER app

EXPOSE 8000
CMD ["gunicorn", "pcc_commissioning.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
