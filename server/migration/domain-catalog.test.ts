import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOMAIN_NAMES } from "@/lib/contracts/domains";
import { createTestDatabase } from "@/lib/testing/test-database";
import { createControlDb } from "@/server/db/client";
import {
  defaultDomains,
  LOCAL_UPSTREAMS,
  loadUpstreams,
  seedDomains,
} from "@/server/migration/domain-catalog";
import { loadRouteTable } from "@/services/api-gateway/route-table";
import { hasKubectl, render } from "../../deploy/kustomize";

const CLUSTER_ENV = {
  LEGACY_URL: "http://legacy-runtime:8090",
  SERVICE_URLS:
    "identity=http://identity:8101, learning=http://learning:8102,reputation=http://reputation:8103,passport=http://passport:8104,governance=https://governance.example:8443/,marketplace=http://marketplace:8106",
};

describe("domain catalog upstreams", () => {
  it("keeps the local defaults when nothing is set: 127.0.0.1 and the known ports", () => {
    const upstreams = loadUpstreams({});
    expect(upstreams).toEqual(LOCAL_UPSTREAMS);
    expect(defaultDomains(upstreams).map((d) => [d.name, d.legacyUrl, d.serviceUrl])).toEqual([
      ["identity", "http://127.0.0.1:8090", "http://127.0.0.1:8101"],
      ["learning", "http://127.0.0.1:8090", "http://127.0.0.1:8102"],
      ["reputation", "http://127.0.0.1:8090", "http://127.0.0.1:8103"],
      ["passport", "http://127.0.0.1:8090", "http://127.0.0.1:8104"],
      ["governance", "http://127.0.0.1:8090", "http://127.0.0.1:8105"],
      ["marketplace", "http://127.0.0.1:8090", "http://127.0.0.1:8106"],
    ]);
  });

  it("gives each domain its own base URL from SERVICE_URLS, and the legacy runtime LEGACY_URL", () => {
    const domains = defaultDomains(loadUpstreams(CLUSTER_ENV));
    expect(Object.fromEntries(domains.map((d) => [d.name, d.serviceUrl]))).toEqual({
      identity: "http://identity:8101",
      learning: "http://learning:8102",
      reputation: "http://reputation:8103",
      passport: "http://passport:8104",
      governance: "https://governance.example:8443",
      marketplace: "http://marketplace:8106",
    });
    expect(new Set(domains.map((d) => d.legacyUrl))).toEqual(
      new Set(["http://legacy-runtime:8090"]),
    );
  });

  it("lets a domain not named in SERVICE_URLS keep its local default", () => {
    const upstreams = loadUpstreams({ SERVICE_URLS: "passport=http://passport:9000" });
    expect(upstreams.serviceUrls.passport).toBe("http://passport:9000");
    expect(upstreams.serviceUrls.identity).toBe("http://127.0.0.1:8101");
    expect(upstreams.legacyUrl).toBe("http://127.0.0.1:8090");
  });

  it.each([
    [
      { LEGACY_URL: "legacy-runtime:8090" },
      /^invalid configuration: LEGACY_URL: must start with http\(s\):\/\/$/,
    ],
    [{ LEGACY_URL: "not a url" }, /^invalid configuration: LEGACY_URL: is not a URL$/],
    [
      { LEGACY_URL: "http://legacy-runtime:8090/api" },
      /^invalid configuration: LEGACY_URL: must be only scheme, host and port, e\.g\. http:\/\/identity:8101$/,
    ],
    [
      { SERVICE_URLS: "billing=http://billing:8200" },
      /^invalid configuration: SERVICE_URLS: expected <domain>=http:\/\/host:port with a domain of identity, .*, got "billing"$/,
    ],
    [
      { SERVICE_URLS: "http://identity:8101" },
      /^invalid configuration: SERVICE_URLS: expected <domain>=.*got "http:\/\/identity:8101"$/,
    ],
    [
      { SERVICE_URLS: "identity=ftp://identity:21" },
      /^invalid configuration: SERVICE_URLS: identity: must start with http\(s\):\/\/$/,
    ],
    [
      { SERVICE_URLS: "identity=http://a:1,identity=http://b:2" },
      /^invalid configuration: SERVICE_URLS: identity is named twice$/,
    ],
  ])("refuses %o with one line naming the variable", (env, message) => {
    expect(() => loadUpstreams(env)).toThrow(message);
  });

  it("names every bad variable in the one line", () => {
    expect(() => loadUpstreams({ LEGACY_URL: "x", SERVICE_URLS: "learning=y" })).toThrow(
      /^invalid configuration: LEGACY_URL: is not a URL; SERVICE_URLS: learning: is not a URL$/,
    );
  });
});

describe("seeded domains as the gateway reads them", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let control: ReturnType<typeof createControlDb>;
  beforeAll(async () => {
    database = await createTestDatabase("control");
    control = createControlDb(database.url, 2);
  });
  afterAll(async () => {
    await control?.pool.end();
    await database?.drop();
  });

  it("routes each domain to its own upstream, and a second seed changes nothing", async () => {
    expect(await seedDomains(control.db, loadUpstreams(CLUSTER_ENV))).toBe(6);
    expect(await seedDomains(control.db)).toBe(0);
    const { table, rejected } = await loadRouteTable(control.db);
    expect(rejected).toEqual([]);
    const upstreams = Object.fromEntries(
      table.routes.map((r) => [r.name, [r.legacyUrl.origin, r.serviceUrl.origin]]),
    );
    expect(upstreams.identity).toEqual(["http://legacy-runtime:8090", "http://identity:8101"]);
    expect(upstreams.governance).toEqual([
      "http://legacy-runtime:8090",
      "https://governance.example:8443",
    ]);
    expect(new Set(table.routes.map((r) => r.serviceUrl.origin)).size).toBe(DOMAIN_NAMES.length);
  });
});

describe.skipIf(!hasKubectl())("the cluster's upstreams", () => {
  it("name a rendered Service and its port, for the legacy runtime and every domain", () => {
    const objects = render("k8s/overlays/dev");
    const config = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "console");
    const upstreams = loadUpstreams(config?.data ?? {});
    const services = new Map(
      objects
        .filter((o) => o.kind === "Service")
        .map((o) => [o.metadata.name, o.spec.ports.map((p: { port: number }) => p.port)]),
    );
    for (const [name, url] of [
      ["legacy-runtime", upstreams.legacyUrl],
      ...DOMAIN_NAMES.map((domain) => [domain, upstreams.serviceUrls[domain]] as const),
    ]) {
      const { hostname, port } = new URL(url as string);
      expect(hostname, `${name}: ${url}`).toBe(name);
      expect(services.get(hostname), `${name}: ${url}`).toContain(Number(port));
    }
  });
});
