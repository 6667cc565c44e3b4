FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    VAR_DIR=/app/var STATIC_ROOT=/app/static-collected MEDIA_ROOT=/app/media

# Pango and fonts for WeasyPrint (the book of abstracts).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY conference conference
COPY abstracts abstracts
COPY indexes indexes
RUN pip install .
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
 && useradd --system --uid 1000 --home /app app && mkdir -p /app/var /app/media && chown -R app /app/var /app/media
USER app

EXPOSE 8000
CMD ["gunicorn", "conference.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
