# syntax=docker/dockerfile:1
# Stride: one static binary in a distroless image with no shell.

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Modules first, so a code change does not re-download them.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/stride ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stride /stride
USER nonroot:nonroot
EXPOSE 8080
ENV STRIDE_ADDR=:8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 CMD ["/stride", "healthcheck"]
ENTRYPOINT ["/stride"]
