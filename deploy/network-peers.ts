import type { Peer } from "./needed-flows";

/** A NetworkPolicy peer as Kubernetes writes it (networking.k8s.io/v1 NetworkPolicyPeer). */
export type PolicyPeer = {
  podSelector?: { matchLabels?: Record<string, string> };
  namespaceSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: { cidr: string; except?: string[] };
};

const NAME_LABEL = "app.kubernetes.io/name";
const NAMESPACE_LABEL = "kubernetes.io/metadata.name";
const INGRESS_NAMESPACE = "ingress-nginx";
/** Public addresses outside the cluster; the pod and service ranges of OVHcloud MKS are excluded. */
const PUBLIC = { cidr: "0.0.0.0/0", except: ["10.2.0.0/16", "10.3.0.0/16"] };
const PORT_OF_IP_PEER: Record<number, Peer> = {
  5432: "postgresql",
  6443: "kube-apiserver",
  443: "internet-https",
};

/** The selector that names `peer` in a policy rule. */
export function policyPeer(peer: Peer): PolicyPeer {
  switch (peer) {
    case "ingress-controller":
      return { namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: INGRESS_NAMESPACE } } };
    case "kube-dns":
      return {
        namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      };
    case "postgresql":
    case "kube-apiserver":
    case "internet-https":
      return { ipBlock: PUBLIC };
    default:
      return { podSelector: { matchLabels: { [NAME_LABEL]: peer } } };
  }
}

/** The peer a policy rule's selector names, or an error text when it names none of the table. */
export function peerOf(selector: PolicyPeer, port: number): Peer | { unknown: string } {
  const namespace = selector.namespaceSelector?.matchLabels?.[NAMESPACE_LABEL];
  const pod = selector.podSelector?.matchLabels;
  if (selector.ipBlock) {
    const peer = PORT_OF_IP_PEER[port];
    const exact = JSON.stringify(selector.ipBlock) === JSON.stringify(PUBLIC);
    return peer && exact
      ? peer
      : { unknown: `ipBlock ${JSON.stringify(selector.ipBlock)}:${port}` };
  }
  if (namespace === INGRESS_NAMESPACE && !pod) return "ingress-controller";
  if (namespace === "kube-system" && pod?.["k8s-app"] === "kube-dns") return "kube-dns";
  if (!selector.namespaceSelector && pod && Object.keys(pod).length === 1 && pod[NAME_LABEL]) {
    return pod[NAME_LABEL] as Peer;
  }
  return { unknown: JSON.stringify(selector) };
}
