# syntax=docker/dockerfile:1
# alimentador on the official PostgreSQL image: the extension is built with pgrx in a builder stage;
# the final image is postgres:18-bookworm plus the extension's files (.so, .control, .sql), settings
# for logical decoding and the stream workers, and a first-start script that creates the extension
# and seeds the hospital. See the Docker section of README.md. Every step of the final image is exercised on a host
# without Docker by tests/e2e/docker-steps.sh.
#
#   docker build -t alimentador .
#   docker run -d --name alimentador -p 5432:5432 -e POSTGRES_PASSWORD=postgres alimentador
#
# Another PostgreSQL major (13-18): docker build --build-arg PG_MAJOR=16 -t alimentador:pg16 .
ARG PG_MAJOR=18

FROM postgres:${PG_MAJOR}-bookworm AS builder
ARG RUST_VERSION=1.95.0
ARG PGRX_VERSION=0.18.1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# The base image sets PG_MAJOR and has the PostgreSQL apt repository that matches its server.
# Headers of any minor release fit the server (minor releases keep the ABI), so none is pinned.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      "postgresql-server-dev-${PG_MAJOR}" build-essential clang libclang-dev pkg-config \
      libssl-dev curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Rust pinned to the version the repository is developed with; rustfmt is needed by pgrx's bindgen.
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs \
    | sh -s -- -y --no-modify-path --profile minimal --component rustfmt --default-toolchain "${RUST_VERSION}"
RUN cargo install cargo-pgrx --version "=${PGRX_VERSION}" --locked \
 && cargo pgrx init "--pg${PG_MAJOR}" "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"

# Only what the build reads, so edits elsewhere (docs, tests) keep the cache.
WORKDIR /src
COPY Cargo.toml Cargo.lock alimentador.control ./
COPY src ./src
COPY sql ./sql
# `cargo pgrx package` builds in release mode and lays out exactly the files `cargo pgrx install`
# would install, under /out: /out/usr/lib/postgresql/N/lib/alimentador.so and
# /out/usr/share/postgresql/N/extension/alimentador{.control,--<version>.sql}.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo pgrx package --pg-config "/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config" \
      --no-default-features --features "pg${PG_MAJOR}" --out-dir /out \
 && find /out -type f | sort

FROM postgres:${PG_MAJOR}-bookworm
LABEL org.opencontainers.image.title="alimentador" \
      org.opencontainers.image.description="PostgreSQL with a live Brazilian hospital OLTP database for CDC testing" \
      org.opencontainers.image.licenses="MIT"
# The extension: pkglibdir and sharedir/extension of the image's server, nothing else of the build.
COPY --from=builder /out/ /
# Settings writer and health check on the PATH; the first-start script where the entrypoint runs it.
COPY --chmod=0755 docker/alimentador-config.sh docker/alimentador-healthcheck.sh /usr/local/bin/
COPY --chmod=0755 docker/initdb-alimentador.sh /docker-entrypoint-initdb.d/10-alimentador.sh
# wal_level = logical, the preloaded library and an include of alimentador.conf go into the sample
# initdb copies, so every server of the image preloads the library, the entrypoint's temporary one
# included; the first start writes alimentador.conf from the ALIMENTADOR_* variables.
RUN alimentador-config.sh --sample /usr/share/postgresql/postgresql.conf.sample
# Read at the first start only (an existing data directory keeps its settings, as POSTGRES_* do).
ENV POSTGRES_DB=alimentador \
    ALIMENTADOR_SCALE=1 \
    ALIMENTADOR_SEMENTE="" \
    ALIMENTADOR_RATE=0.5 \
    ALIMENTADOR_ENABLED=on \
    ALIMENTADOR_WORKERS=1
# Healthy once the real server runs with the library preloaded and the extension created.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5m --retries=3 CMD ["alimentador-healthcheck.sh"]
EXPOSE 5432
