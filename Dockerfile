# Builds every Mismo binary into one image; docker-compose.yml picks the
# command per service.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --workspace --bins

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/mismo --create-home mismo
COPY --from=build /src/target/release/smtp-engine /src/target/release/qprocessor \
    /src/target/release/pop3d /src/target/release/admin-console \
    /src/target/release/webmail /src/target/release/mismoctl /usr/local/bin/
USER mismo
WORKDIR /var/lib/mismo
ENV MISMO_DATA_DIR=/var/lib/mismo
