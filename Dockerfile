# Portcullis container image: build stage (compilers, dev dependencies, native re2) -> slim runtime stage.
#
#   docker build -t portcullis .
#   docker run --rm -p 8080:8080 -e UPSTREAM_URL=http://compile:3000 \
#     -v "$PWD/config:/etc/portcullis:ro" portcullis
#
# The configuration is read from /etc/portcullis/gateway.yaml (the shipped gateway.yaml is there by default);
# mount a directory over /etc/portcullis so hot reload sees edits. See docs/operations.md.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
# re2 is a C++ addon: node-gyp needs python3, make and a C++ compiler (only in this stage).
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
# The official image unpacks Node's tarball into /usr/local, headers included: node-gyp uses those instead of
# downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# Dependencies first, so this layer (and the slow re2 compile) is reused while only sources change.
# --ignore-scripts: nothing runs before the sources are here (prepare would build); re2 is built explicitly,
# from source (DOWNLOAD_FORCE_BUILD: no prebuilt binary is fetched), against this image's Node.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && DOWNLOAD_FORCE_BUILD=1 npm rebuild re2 \
  && node -e "new (require('re2'))('a+').test('aa') || process.exit(1)"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund \
  && node -e "require('re2')"

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Code and dependencies stay owned by root and read-only for the service user.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json gateway.yaml ./
COPY rules ./rules
COPY schema ./schema
COPY gateway.yaml /etc/portcullis/gateway.yaml
# The image's own unprivileged user (uid 1000), never root.
USER node
# Data plane (server.listen.port in the shipped gateway.yaml). The admin listener (9091) binds 127.0.0.1 inside
# the container: reachable by HEALTHCHECK and a sidecar scraper, not published.
EXPOSE 8080
# slim has no curl: Node's fetch asks the admin /healthz (ADMIN_PORT if the config uses it, else 9091).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ADMIN_PORT || 9091) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM (drain, then exit 0) and SIGHUP (reload) itself; it starts no
# child processes, so it has no zombies to reap (docker run --init adds tini anyway if you prefer).
# --max-semi-space-size=32: a larger young generation, fewer scavenges (docs/operations.md, "Runtime flags").
CMD ["node", "--max-semi-space-size=32", "dist/main.js", "start", "--config", "/etc/portcullis/gateway.yaml"]
