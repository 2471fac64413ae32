import "./next-globals";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

type Storage = { run<T>(store: unknown, fn: () => T): T };
const { workAsyncStorage } = require("next/dist/server/app-render/work-async-storage.external") as {
  workAsyncStorage: Storage;
};
const { workUnitAsyncStorage } =
  require("next/dist/server/app-render/work-unit-async-storage.external") as {
    workUnitAsyncStorage: Storage;
  };
const { createRequestStoreForAPI } = require("next/dist/server/async-storage/request-store") as {
  createRequestStoreForAPI: (
    req: { headers: Headers },
    url: { pathname: string; search?: string },
    implicitTags: unknown,
    onUpdateCookies: undefined,
    previewProps: unknown,
  ) => unknown;
};

/**
 * Runs a route handler in the request scope Next.js gives it (the stores behind
 * `next/headers`), as Next.js's app-route module does, for tests that call route handlers
 * without a running server. Only the parts a dynamic route handler reads are filled in.
 */
export function runInRequestScope<T>(request: Request, fn: () => Promise<T>): Promise<T> {
  const url = new URL(request.url);
  const workStore = {
    page: url.pathname,
    route: url.pathname,
    forceStatic: false,
    dynamicShouldError: false,
    isStaticGeneration: false,
  };
  const requestStore = createRequestStoreForAPI(
    { headers: request.headers },
    { pathname: url.pathname, search: url.search },
    { tags: [], expirationsByCacheKind: new Map() },
    undefined,
    { previewModeId: "test", previewModeEncryptionKey: "", previewModeSigningKey: "" },
  );
  return workAsyncStorage.run(workStore, () => workUnitAsyncStorage.run(requestStore, fn));
}
