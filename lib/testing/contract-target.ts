import { issueServiceToken } from "@/lib/auth/issue-service-token";
import { sharedSecretKey } from "@/lib/auth/service-keys";

/** The shared secret of services started by tests. */
export const TEST_SERVICE_SECRET = "test-service-token-secret-0123456789abcdef";
export const testServiceKey = sharedSecretKey(TEST_SERVICE_SECRET);

/** Something that serves domain contracts over HTTP: a new service or the legacy runtime. */
export type ContractTarget = {
  /** `identity`, …, or `legacy-runtime`: the audience its tokens need. */
  service: string;
  baseUrl: string;
};

/** A token as the gateway would send it to `target`, with the given permissions. */
export function tokenFor(target: ContractTarget, permissions: readonly string[]): Promise<string> {
  return issueServiceToken({
    key: testServiceKey,
    subject: "api-gateway",
    audience: target.service,
    serviceType: "gateway",
    permissions,
  });
}
