import type { K8sObject } from "./kustomize";
import { type Flow, flowKey, type Peer } from "./needed-flows";
import { peerOf } from "./network-peers";

type Rule = {
  from?: Parameters<typeof peerOf>[0][];
  to?: Parameters<typeof peerOf>[0][];
  ports?: { port: number; protocol?: string }[];
};

/** What a set of NetworkPolicies allows, read back into flows, and what it cannot name. */
export type AllowedFlows = { egress: Set<string>; ingress: Set<string>; problems: string[] };

/**
 * Reads every rule of every policy back into flows of the table's vocabulary: an egress rule is
 * the source's half of a flow, an ingress rule the target's half (default deny needs both).
 */
export function allowedFlows(policies: K8sObject[]): AllowedFlows {
  const result: AllowedFlows = { egress: new Set(), ingress: new Set(), problems: [] };
  for (const policy of policies) {
    const own = policy.spec.podSelector?.matchLabels?.["app.kubernetes.io/name"] as Peer;
    if (!own) continue;
    const read = (rules: Rule[] | undefined, direction: "egress" | "ingress") => {
      for (const rule of rules ?? []) {
        const peers = (direction === "egress" ? rule.to : rule.from) ?? [];
        if (peers.length === 0 || !rule.ports?.length) {
          result.problems.push(
            `${policy.metadata.name}: ${direction} rule open to all peers or ports`,
          );
          continue;
        }
        for (const selector of peers) {
          for (const { port, protocol } of rule.ports) {
            const peer = peerOf(selector, port);
            if (typeof peer !== "string") {
              result.problems.push(`${policy.metadata.name}: unknown peer ${peer.unknown}`);
              continue;
            }
            const flow: Flow =
              direction === "egress"
                ? { from: own, to: peer, port, protocol: protocol as Flow["protocol"] }
                : { from: peer, to: own, port, protocol: protocol as Flow["protocol"] };
            result[direction].add(flowKey(flow));
          }
        }
      }
    };
    read(policy.spec.egress, "egress");
    read(policy.spec.ingress, "ingress");
  }
  return result;
}
