# syntax=docker/dockerfile:1
# TNR report: API server and built web pages in one image (docs/operations.md "Container").
#
# Build:  docker build --build-arg ORG_KEY_FINGERPRINT=<64 hex> -t tnr-report .
# Run:    see compose.yaml (API + PostgreSQL). The image holds no secret of any kind: the server
#         secret file and the database password are mounted at run time.
#
# Not built or run in this repository's CI (no Docker there); kept deliberately plain.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install exactly the lock file, build the pages, drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Pins the organisation key into the reporter pages (README "Pinning the organisation key").
# Empty on the very first build, before setup has created the organisation key.
ARG ORG_KEY_FINGERPRINT=
RUN ORG_KEY_FINGERPRINT="${ORG_KEY_FINGERPRINT}" NODE_ENV=production npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: only what the server needs, as an unprivileged user ----
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    WEB_DIST=/app/dist/web
WORKDIR /app
# Files stay owned by root and read-only to the server user: it cannot rewrite its own code.
COPY --from=build /app/package.json /app/package-lock.json /app/tsconfig.base.json /app/tsconfig.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/api ./api
COPY --from=build /app/crypto ./crypto
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/dist/web ./dist/web
# The data directory is the only writable place (PGlite files when no DATABASE_URL is set).
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Not `npm start`: that would rebuild the pages at every start.
CMD ["node", "--import", "tsx", "api/server.ts"]
