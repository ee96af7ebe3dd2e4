# A static nestegg binary on a distroless base, run as a non-root user.
#   docker build -t nestegg .
#   docker run -p 127.0.0.1:8080:8080 -v nestegg:/data nestegg
# compose.yaml runs it on PostgreSQL.
FROM golang:1.27.3-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=unknown
# CGO off: SQLite is modernc.org/sqlite (pure Go), so the binary is static.
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/nestegg ./cmd/nestegg \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/nestegg /usr/bin/nestegg
COPY --from=build --chown=65532:65532 /out/data /data
COPY packaging/nestegg.conf /etc/nestegg/nestegg.conf
# In a container serve listens on every interface; the environment wins
# over the configuration file (docs/CONFIG.md).
ENV NESTEGG_CONFIG_FILE=/etc/nestegg/nestegg.conf \
    NESTEGG_ADDR=0.0.0.0:8080 \
    NESTEGG_DATABASE=/data/nestegg.db
USER nonroot:nonroot
WORKDIR /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/bin/nestegg"]
CMD ["serve"]
