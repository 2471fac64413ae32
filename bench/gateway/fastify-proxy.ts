/**
 * @fastify/http-proxy as the Fastify peer of the gateway (issue 11): a plain prefix proxy to the
 * upstream (undici, its defaults), no features. Child process of run.ts:
 * `UPSTREAM=http://127.0.0.1:N node --import tsx bench/gateway/fastify-proxy.ts` prints
 * `{"port":N}` once listening. The package is not a dependency of the project: run.ts skips the
 * row when it cannot be resolved.
 */
import Fastify, { type FastifyPluginAsync } from "fastify";

const upstream = process.env.UPSTREAM ?? "";
const packageName = "@fastify/http-proxy";
// imported by a name TypeScript does not resolve: the package is optional
const proxy = (await import(packageName)) as { default: FastifyPluginAsync<{ upstream: string }> };
const app = Fastify({ logger: false });
await app.register(proxy.default, { upstream, prefix: "/" });
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
if (!address || typeof address === "string") throw new Error("no TCP address");
console.log(JSON.stringify({ port: address.port }));
const stop = () => void app.close().finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
