# syntax=docker/dockerfile:1
# alimentador on Debian bookworm with Debian's PostgreSQL 15: every layer is built and run by the
# repository's CI (tests/e2e/image.sh, podman/buildah). Not on the official postgres image: CI cannot
# reach Docker Hub, so that image could never be proven there; this one keeps its conventions
# (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD,
# PGDATA, /docker-entrypoint-initdb.d). See docs/src/docker-image.md.
#
#   docker build -t alimentador .
#   docker run -d --name alimentador -p 5432:5432 -e POSTGRES_PASSWORD=postgres \
#       -v alimentador-data:/var/lib/postgresql/data alimentador
#
# The extension goes in as its Debian package, postgresql-15-alimentador (scripts/package-deb.sh), made
# by the Rust builder stage (EXTENSION=build, the default: rustup, cargo-pgrx, `cargo pgrx package`),
# or taken from docker/deb/ (EXTENSION=deb: CI puts the package it built and tested there).
#
#   BASE_IMAGE   a Debian bookworm image (default debian:bookworm-slim; CI: one made by debootstrap)
#   PG_MAJOR     15, bookworm's PostgreSQL (other majors need a base with the PostgreSQL apt repository)
#   EXTENSION    build | deb
ARG BASE_IMAGE=debian:bookworm-slim
ARG EXTENSION=build

FROM ${BASE_IMAGE} AS builder
ARG PG_MAJOR=15
ARG RUST_VERSION=1.95.0
ARG PGRX_VERSION=0.18.1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      "postgresql-server-dev-${PG_MAJOR}" build-essential clang libclang-dev pkg-config \
      libssl-dev curl ca-certificates git \
 && rm -rf /var/lib/apt/lists/*
# Rust pinned to the version the repository is developed with; rustfmt is needed by pgrx's bindgen.
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --no-modify-path --profile minimal --component rustfmt --default-toolchain "${RUST_VERSION}"
RUN cargo install cargo-pgrx --version "=${PGRX_VERSION}" --locked \
 && cargo pgrx init "--pg${PG_MAJOR}" "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
WORKDIR /src
# Only what the build reads, so edits elsewhere (docs, tests) keep the cache.
COPY Cargo.toml Cargo.lock alimentador.control LICENSE ./
COPY src ./src
COPY sql ./sql
COPY scripts/package-deb.sh ./scripts/
COPY scripts/lib/ ./scripts/lib/
COPY tests/lib/packages.sh ./tests/lib/
# The same package users install with apt (release build), into /pkg.
RUN PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config" scripts/package-deb.sh "${PG_MAJOR}" /pkg

FROM ${BASE_IMAGE} AS extension-build
COPY --from=builder /pkg/ /pkg/

FROM ${BASE_IMAGE} AS extension-deb
COPY docker/deb/ /pkg/

FROM extension-${EXTENSION} AS extension

FROM ${BASE_IMAGE}
ARG PG_MAJOR=15
LABEL org.opencontainers.image.title="alimentador" \
      org.opencontainers.image.description="PostgreSQL with a live Brazilian hospital OLTP database for CDC testing" \
      org.opencontainers.image.base.name="debian:bookworm" \
      org.opencontainers.image.licenses="MIT"
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Debian's PostgreSQL, pulled in by the extension's package; no cluster of Debian's own (the
# entrypoint makes one in $PGDATA, as the official image does). The postgres user and group are
# made first with the official image's ids (999), so volumes move between the two.
COPY --from=extension /pkg/ /tmp/pkg/
# hadolint ignore=DL3008
RUN groupadd -r -g 999 postgres \
 && useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/bash postgres \
 && mkdir -p /etc/postgresql-common \
 && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      /tmp/pkg/postgresql-"${PG_MAJOR}"-alimentador_*.deb \
 && rm -rf /var/lib/apt/lists/* /tmp/pkg \
 && mkdir -p /docker-entrypoint-initdb.d /var/run/postgresql /var/lib/postgresql/data \
 && chown postgres:postgres /var/run/postgresql /var/lib/postgresql /var/lib/postgresql/data \
 && chmod 3777 /var/run/postgresql && chmod 700 /var/lib/postgresql/data
ENV PG_MAJOR=${PG_MAJOR} \
    PATH=/usr/lib/postgresql/${PG_MAJOR}/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
# Entrypoint, settings writer and health check on the PATH; the first-start script where the
# entrypoint runs it.
COPY --chmod=0755 docker/docker-entrypoint.sh docker/alimentador-config.sh docker/alimentador-healthcheck.sh /usr/local/bin/
COPY --chmod=0755 docker/initdb-alimentador.sh /docker-entrypoint-initdb.d/10-alimentador.sh
# wal_level = logical, the preloaded library and an include of alimentador.conf go into the sample
# initdb copies, so every server of the image preloads the library, the entrypoint's temporary one
# included; the first start writes alimentador.conf from the ALIMENTADOR_* variables.
RUN alimentador-config.sh --sample "/usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample"
# Read at the first start only (an existing data directory keeps its settings, as POSTGRES_* do).
ENV POSTGRES_DB=alimentador \
    ALIMENTADOR_SCALE=1 \
    ALIMENTADOR_SEMENTE="" \
    ALIMENTADOR_RATE=0.5 \
    ALIMENTADOR_ENABLED=on \
    ALIMENTADOR_WORKERS=1
VOLUME /var/lib/postgresql/data
# Healthy once the real server runs with the library preloaded and the extension created.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5m --retries=3 CMD ["alimentador-healthcheck.sh"]
ENTRYPOINT ["docker-entrypoint.sh"]
# SIGINT: PostgreSQL's fast shutdown (the official image's choice too); SIGTERM (smart) works as well.
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
