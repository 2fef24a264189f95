# Weft broker image (used by docker-compose.yml). Not built in CI: no Docker engine runs
# on the project's machines; kept to the same two steps as the README (install, build).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production WEFT_HOST=0.0.0.0 WEFT_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY ontologies ./ontologies
COPY policy ./policy
EXPOSE 1026
VOLUME /data
CMD ["node", "dist/main.js", "start"]
