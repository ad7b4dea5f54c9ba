# kfprofiles as a container image:
#   docker build -t kfprofiles .
#   docker run --rm -v "$PWD:/work" kfprofiles validate
# The build stage compiles the tool from what the crate package holds (src/, the built-in
# templates, Cargo.toml, Cargo.lock); the templates are compiled into the binary. The final
# stage is distroless (glibc, no shell, no package manager) and runs as the non-root user
# `nonroot` (65532), in /work, where a CI job mounts its checkout.
# Why not a static musl binary on scratch: the release archives are glibc builds too, and this
# keeps one build configuration for both; the image is about 30 MB either way.

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY templates ./templates
RUN cargo build --release --locked --bin kfprofiles

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/kfprofiles /usr/local/bin/kfprofiles
COPY LICENSE /usr/share/doc/kfprofiles/LICENSE
WORKDIR /work
USER nonroot:nonroot
ENTRYPOINT ["kfprofiles"]
CMD ["--help"]
