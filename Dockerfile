# syntax=docker/dockerfile:1
# Stride: one static binary in a distroless image with no shell.
#
#   docker build -t stride --build-arg VERSION=$(git describe --always) .
#   docker run -p 8080:8080 stride
#
# cmd/server/container_test.go reads the build command below and runs the
# resulting binary the way this image does (chrooted, as uid 65532, with no
# other file), so keep the two in step.

# The builder's Go matches go.mod's `go 1.26.x` line (the test checks it).
# The official image sets GOTOOLCHAIN=local: if a cached golang:1.26 is older
# than go.mod's patch release, the build says so; `docker build --pull` fixes it.
# The builder runs on the build machine's platform and cross-compiles for the target,
# so a multi-platform build (docker buildx --platform linux/amd64,linux/arm64)
# needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
# Modules first, so a code change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
# Generated templ files are committed, so no generate step is needed.
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
# CGO_ENABLED=0: a static binary that needs no libc, so it runs in an image
# with no other file. -trimpath: no build-machine paths in the binary.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w -X main.version=${VERSION}" -o /out/stride ./cmd/server
# The data directory, made here because distroless has no shell to make it.
RUN mkdir -m 0700 /out/data

# distroless/static: CA certificates, tzdata and a nonroot user; no shell,
# no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="Stride" \
      org.opencontainers.image.description="Interactive tutor for the mechanics of deep learning" \
      org.opencontainers.image.source="https://github.com/stride-tutor/stride" \
      org.opencontainers.image.version="${VERSION}"
# The SQLite database lives in /data, owned by the nonroot user. Declared
# as a volume, so it outlives the container: Docker copies this empty,
# 65532-owned directory into a new named volume, and the unprivileged server
# can write there. With STRIDE_DATABASE_URL set (PostgreSQL) it stays unused.
ENV STRIDE_DATA_DIR=/data
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME ["/data"]
COPY --from=build /out/stride /stride
# distroless's nonroot user, written as numbers so Kubernetes' runAsNonRoot
# can verify it without a runAsUser.
USER 65532:65532
EXPOSE 8080
# STRIDE_ADDR is deliberately not set: the server listens on :8080 by
# default, and a platform that sets PORT (Cloud Run, Heroku, ...) still wins.
# The healthcheck is the binary itself: it reads STRIDE_ADDR/PORT and
# STRIDE_BASE_PATH like the server, so it follows `docker run -e ...`.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 CMD ["/stride", "healthcheck"]
ENTRYPOINT ["/stride"]
