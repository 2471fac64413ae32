# syntax=docker/dockerfile:1.7
# One image per deployable: docker build --target <deployable> -t keiko/<deployable>:<tag> .
# The processes run TypeScript through tsx (a production dependency), as `npm start` does.
# No HEALTHCHECK: Kubernetes probes /healthz and /readyz (k8s/base).
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NODE_ENV=production \
    NEXT_TELEMETRY_DISABLED=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# production dependencies only; no install scripts (the embedded PostgreSQL is for development)
FROM base AS prod-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# every dependency, to build the console (Tailwind and TypeScript are dev dependencies)
FROM base AS build-deps
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM build-deps AS console-build
COPY tsconfig.json next.config.ts postcss.config.mjs instrumentation.ts ./
COPY app ./app
COPY server ./server
COPY lib ./lib
RUN npm run build

# what every Node.js process shares: production modules, the platform library, a non-root user
FROM base AS runtime
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY lib ./lib
USER 10001:10001

# Next.js inside node:http on the one process lifecycle (decision 0015): the build output, the
# server it starts and the server code it runs at start (the domain rows it seeds)
FROM runtime AS console
COPY next.config.ts instrumentation.ts ./
COPY server ./server
COPY scripts/console-server.ts ./scripts/
COPY --from=console-build /app/.next ./.next
EXPOSE 3000
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "scripts/console-server.ts", "-p", "3000", "-H", "0.0.0.0"]

FROM runtime AS api-gateway
COPY services/api-gateway ./services/api-gateway
EXPOSE 8080
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/api-gateway/main.ts"]

FROM runtime AS legacy-runtime
COPY services/legacy-runtime ./services/legacy-runtime
EXPOSE 8090
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/legacy-runtime/main.ts"]

FROM runtime AS identity
COPY services/identity ./services/identity
EXPOSE 8101
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/identity/main.ts"]

FROM runtime AS learning
COPY services/learning ./services/learning
EXPOSE 8102
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/learning/main.ts"]

FROM runtime AS reputation
COPY services/reputation ./services/reputation
EXPOSE 8103
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/reputation/main.ts"]

FROM runtime AS passport
COPY services/passport ./services/passport
EXPOSE 8104
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/passport/main.ts"]

FROM runtime AS governance
COPY services/governance ./services/governance
EXPOSE 8105
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/governance/main.ts"]

FROM runtime AS marketplace
COPY services/marketplace ./services/marketplace
EXPOSE 8106
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "services/marketplace/main.ts"]

# the relay declares every consumer group, so it reads the services' handler declarations
FROM runtime AS outbox-relay
COPY services ./services
COPY workers/outbox-relay.ts workers/outbox-relay-groups.ts ./workers/
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "workers/outbox-relay.ts"]

FROM runtime AS data-sync
COPY workers/data-sync.ts ./workers/
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "workers/data-sync.ts"]

FROM runtime AS slo-guard
COPY workers/slo-guard.ts ./workers/
COPY workers/slo-guard ./workers/slo-guard
CMD ["node", "--import", "tsx", "--import", "./lib/observability/preload.ts", "workers/slo-guard.ts"]
