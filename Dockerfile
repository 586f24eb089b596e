# Dockerfile - the github-release-mirror Concourse resource image.
#
# Stage "build" compiles check, in, out and grm-verify (CMake, Release, -Werror), runs the
# unit tests and installs the executables to /opt/resource. The final stage is
# debian:bookworm-slim plus the runtime libraries and CA certificates, and the
# executables: no compiler, no -dev package, no apt lists. Concourse execs
# /opt/resource/{check,in,out} directly; no shell is involved.
#
# Proven without a Docker engine by test/image.sh (buildah, chroot isolation).

FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        build-essential cmake pkg-config \
        libcurl4-openssl-dev libjansson-dev libssl-dev libexpat1-dev libpcre2-dev libsnappy-dev \
 && rm -rf /var/lib/apt/lists/*

# What CMake reads, after the toolchain layer (see .dockerignore): editing the
# code or the docs never re-runs apt.
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmd/ cmd/
COPY lib/ lib/
COPY test/ test/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWERROR=ON -DGRM_IMAGE_TEST=OFF \
 && cmake --build build -j"$(nproc)" \
 && (cd build && ctest --output-on-failure --no-tests=error -R '^unit\.') \
 && cmake --install build --strip

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
# VERSION is CMakeLists.txt's project VERSION (test/image.sh checks they
# agree); a release build may pass both with --build-arg.
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/github-release-mirror/github-release-mirror
LABEL org.opencontainers.image.title="github-release-mirror" \
      org.opencontainers.image.description="Concourse resource type: GitHub releases as versions, mirrored to S3-compatible storage" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        ca-certificates libcurl4 libjansson4 libssl3 libexpat1 libpcre2-8-0 libsnappy1v5 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/resource/check /opt/resource/in /opt/resource/out /opt/resource/
COPY --from=build /usr/local/bin/grm-verify /usr/local/bin/
