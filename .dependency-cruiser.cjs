/**
 * The dependency rules of DESIGN.md, checked in CI:
 * lib imports none of app, server, services, workers; a service never imports another service;
 * app reaches server only through tRPC types (and the server-only auth/db entry points its route
 * handlers and layouts need); nothing imports e2e or bench code.
 */
module.exports = {
  forbidden: [
    {
      name: "lib-is-a-leaf",
      comment: "lib/ is platform code: it must not depend on app/, server/, services/ or workers/",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(app|server|services|workers)/" },
    },
    {
      name: "no-service-to-service-imports",
      comment: "services talk to each other over HTTP and events only",
      severity: "error",
      from: { path: "^services/([^/]+)/" },
      to: { path: "^services/([^/]+)/", pathNot: "^services/$1/" },
    },
    {
      name: "services-and-workers-stay-out-of-the-console",
      comment:
        "services and workers do not reach into the console or the control plane (a worker may import the tRPC AppRouter type to call it)",
      severity: "error",
      from: { path: "^(services|workers)/" },
      to: { path: "^(app|server)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "app-client-reaches-server-only-through-trpc-types",
      comment: "client components may import server code only as types (the tRPC AppRouter)",
      severity: "error",
      from: { path: "^app/_components/" },
      to: { path: "^server/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-test-code-in-production",
      severity: "error",
      from: { path: "^(app|server|lib|services|workers)/", pathNot: "\\.test\\.ts$|/testing/" },
      to: { path: "(^e2e/|^bench/|\\.test\\.ts$|/testing/)" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|\\.data|reports|test-results|drizzle)/" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"],
    },
  },
};
