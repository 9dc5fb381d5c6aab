# The Digital Front Door bot as a container image, started the same way as on a laptop:
# `python -m bot`, configured only by environment variables (env.TEMPLATE lists them all).
#
#   docker build -t digital-front-door .
#   docker run --read-only --tmpfs /tmp -v dfd-data:/home/site/data -p 3978:3978 \
#     --env-file my.env digital-front-door
#
# Two stages: the first installs the bot's runtime dependencies (requirements/runtime.txt:
# the lock's own entries, every file checked against its sha256) into a virtual environment
# and compiles everything to bytecode; the second is the slim Python image with only that
# environment, the bot's three packages and an unprivileged user. No compiler, no pip cache,
# no tests and no secrets reach the image.
#
# The base image is pinned by its full version. To pin it by digest too, pass
# --build-arg PYTHON_IMAGE=python:3.11.15-slim-trixie@sha256:<digest>, with the digest
# your registry shows for that tag. Keep Python at 3.11: the lock was made for it.
ARG PYTHON_IMAGE=python:3.11.15-slim-trixie

FROM ${PYTHON_IMAGE} AS builder
WORKDIR /build
COPY requirements/runtime.txt requirements/runtime.txt
# Wheels only (--only-binary): nothing is compiled from source, so no compiler is needed.
# The venv has no pip of its own; the base image's pip installs into it.
RUN python -m venv --without-pip /opt/venv \
    && python -m pip --python /opt/venv/bin/python install \
        --no-cache-dir --disable-pip-version-check --no-compile \
        --require-hashes --no-deps --only-binary :all: \
        -r requirements/runtime.txt \
    && find /opt/venv/lib/python3.11/site-packages -depth -type d -name tests \
        \( -path '*/numpy/*' -o -path '*/matplotlib/*' -o -path '*/mpl_toolkits/*' \) \
        -exec rm -rf {} +
COPY bot /app/bot
COPY cards /app/cards
COPY graph_clients /app/graph_clients
# Bytecode made here, once: the running container never writes it (a read-only file
# system, PYTHONDONTWRITEBYTECODE). "unchecked-hash" bytecode is used whatever the files'
# timestamps, which copying between stages may change; nothing in the image is edited.
RUN python -m compileall -q -j 0 --invalidation-mode unchecked-hash /opt/venv/lib /app

FROM ${PYTHON_IMAGE}
ARG SOURCE_URL=""
ARG REVISION=""
LABEL org.opencontainers.image.title="Digital Front Door" \
      org.opencontainers.image.description="Microsoft Teams bot that puts the council's Digital Strategy 2024-30 into daily practice" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${REVISION}"
# The bot writes only to DATA_DIR and /tmp (matplotlib's cache and HOME point there too),
# so the root file system can be mounted read-only. With STATE_STORE=azure the working
# state is in Azure Storage and DATA_DIR holds nothing another instance needs.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    MPLCONFIGDIR=/tmp/matplotlib \
    BOT_MODE=m365 \
    HOST=0.0.0.0 \
    PORT=3978 \
    DATA_DIR=/home/site/data
# The base image ships the standard library without bytecode, and a non-root process on a
# read-only file system could never write it: compile it once here, or every start would.
RUN python -m compileall -q -j 0 --invalidation-mode unchecked-hash -x site-packages \
        /usr/local/lib/python3.11 \
    && groupadd --system --gid 10001 dfd \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin dfd \
    && mkdir -p /home/site/data \
    && chown 10001:10001 /home/site/data
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 3978
# Python's own HTTP client: the slim image has no curl. Any answer but 2xx, or none, fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; r.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/healthz', timeout=4)"]
CMD ["python", "-m", "bot"]
