# Builds every Mismo binary into one image; docker-compose.yml picks the
# command per service.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --workspace --bins \
    && target/release/mismoctl man /src/man

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/mismo --create-home mismo
COPY --from=build /src/target/release/smtp-engine /src/target/release/qprocessor \
    /src/target/release/pop3d /src/target/release/imapd /src/target/release/admin-console \
    /src/target/release/webmail /src/target/release/mismoctl /usr/local/bin/
COPY --from=build /src/man/ /usr/local/share/man/man-src/
RUN mkdir -p /usr/local/share/man/man1 /usr/local/share/man/man8 \
    && mv /usr/local/share/man/man-src/*.1 /usr/local/share/man/man1/ \
    && mv /usr/local/share/man/man-src/*.8 /usr/local/share/man/man8/ \
    && rmdir /usr/local/share/man/man-src
USER mismo
WORKDIR /var/lib/mismo
ENV MISMO_DATA_DIR=/var/lib/mismo
