# syntax=docker/dockerfile:1
# kea-telemetry image: docker build -t kea-telemetry:0.1.0 .
# Build stage compiles TypeScript with the dev dependencies; the runtime stage holds the
# production dependencies and dist/ only, and runs as the unprivileged node user (uid 1000).

# The Node.js major of both stages: package.json's engines.node minimum (dockerfile.test.ts checks
# they are equal). Debian trixie: the current stable release, security-supported longer than
# bookworm (oldstable since 2025-08), with the fewer scanner findings of newer packages.
ARG NODE_MAJOR=24

FROM node:${NODE_MAJOR}-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The build needs tsc only; install scripts (esbuild for tsx) serve the tests.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:${NODE_MAJOR}-trixie-slim AS runtime
LABEL org.opencontainers.image.title="kea-telemetry" \
      org.opencontainers.image.description="Prometheus and OpenTelemetry exporter for ISC Kea DHCP daemons" \
      org.opencontainers.image.licenses="MPL-2.0"
ENV NODE_ENV=production
# The malloc settings of dist/cli.js' shebang (two arenas, large buffers mapped and given back
# when freed: docs/performance.md).
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
# version.ts reads ../package.json beside dist/ at run time.
COPY package.json package-lock.json ./
# The only production install script (protobufjs) prints version hints. npm itself is not
# needed at run time: removing it drops its dependencies from the image and its scans.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /root/.npm
COPY --from=build /app/dist ./dist
# Numeric, so Kubernetes' runAsNonRoot can verify it (the image's node user).
USER 1000:1000
EXPOSE 9547
# No curl in the slim image: Node's fetch. Assumes the default listen port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9547/-/healthy').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The flags of dist/cli.js' shebang (small young generation, 20% heap steps: docs/performance.md).
ENTRYPOINT ["node", "--max-semi-space-size=2", "--heap-growing-percent=30", "dist/cli.js"]
CMD ["--config", "/etc/kea-telemetry/config.yaml"]
