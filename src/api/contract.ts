// The contract between the CLI and a node container: environment variables, file paths, ports, labels.
// Both sides (src/cluster on the host; src/components, src/agent and src/controllers inside the node) read
// these constants, so they live in src/api, the one place every component may import from.

import {addressIn, isIPv4CIDR, prefixLength} from './net/cidr.js'

/** The ranges and domain Kubernetes and skiff default to. */
export const ClusterDefaults = {podCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16', domain: 'cluster.local'} as const

/** The cluster's pod and service ranges from a node's environment, the defaults where it names none (or nonsense). */
export function clusterRanges(env: NodeJS.ProcessEnv): {podCIDR: string; serviceCIDR: string} {
  const pick = (v: string | undefined, fallback: string) => (isIPv4CIDR(v) ? v : fallback)
  return {podCIDR: pick(env[NodeEnv.clusterCIDR], ClusterDefaults.podCIDR), serviceCIDR: pick(env[NodeEnv.serviceCIDR], ClusterDefaults.serviceCIDR)}
}

/** Environment variables the CLI sets on every node container. */
export const NodeEnv = {
  /** `control-plane` or `worker`. */
  role: 'SKIFF_ROLE',
  /** The node's name in the API, equal to its container name. */
  nodeName: 'SKIFF_NODE_NAME',
  /** The cluster's name. */
  cluster: 'SKIFF_CLUSTER',
  /** The node's fixed address on the cluster network. */
  nodeIP: 'SKIFF_NODE_IP',
  /** The node's pod range, e.g. 10.244.1.0/24 (its inner dockerd bridge uses the .1 address). */
  podCIDR: 'SKIFF_POD_CIDR',
  /** Whole-cluster pod range, e.g. 10.244.0.0/16. */
  clusterCIDR: 'SKIFF_CLUSTER_CIDR',
  /** Service range, e.g. 10.96.0.0/16. */
  serviceCIDR: 'SKIFF_SERVICE_CIDR',
  /** The cluster's DNS domain (cluster.local unless the config says otherwise). */
  clusterDomain: 'SKIFF_CLUSTER_DOMAIN',
  /** Peers' pod routes: space-separated `NODE_IP=POD_CIDR` pairs (this node excluded). */
  peers: 'SKIFF_PEERS',
  /** The apiserver URL as seen from inside the cluster network, e.g. https://172.30.0.2:6443. */
  apiServer: 'SKIFF_APISERVER',
  /** Node lease grace period in seconds before a node turns NotReady. */
  nodeGracePeriod: 'SKIFF_NODE_GRACE_PERIOD',
  /** Taint the control-plane node NoSchedule (true when the cluster has workers). */
  taintControlPlane: 'SKIFF_TAINT_CONTROL_PLANE',
  /** The node's labels from the cluster config, as a JSON object (unset when it has none). */
  nodeLabels: 'SKIFF_NODE_LABELS',
  /** The node's taints from the cluster config, as a JSON list of {key, value, effect} (unset when it has none). */
  nodeTaints: 'SKIFF_NODE_TAINTS',
  /** Control plane only: host ports the Ingress controller's HTTP and HTTPS listeners are published on. */
  ingressHTTPPort: 'SKIFF_INGRESS_HTTP_PORT',
  ingressHTTPSPort: 'SKIFF_INGRESS_HTTPS_PORT',
  /** Control plane only: the host address the Ingress ports and LoadBalancer services are published on. */
  hostAddress: 'SKIFF_HOST_ADDRESS',
  /** Control plane only: the host's Docker engine (a unix socket URL), for the cloud controller's load balancer. */
  hostDocker: 'SKIFF_HOST_DOCKER',
  /** Built-in components turned off in the cluster config, comma-separated (e.g. `dns,ingress`; unset: all on), as k3s's --disable. */
  disable: 'SKIFF_DISABLE',
} as const

/**
 * The optional built-in components a cluster config may turn off: cluster DNS (a server on each node and the kube-dns
 * Service), the Ingress controller (its default IngressClass and host ports 80/443), the cloud controller's
 * LoadBalancer services on the host, NetworkPolicy enforcement, and the local-path provisioner with its default
 * StorageClass.
 */
export const OPTIONAL_COMPONENTS = ['dns', 'ingress', 'loadBalancer', 'networkPolicy', 'storage'] as const
export type OptionalComponent = (typeof OPTIONAL_COMPONENTS)[number]

/** The value of NodeEnv.disable for the components turned off (undefined when none is). */
export function disableEnv(disabled: readonly OptionalComponent[]): string | undefined {
  return disabled.length > 0 ? disabled.join(',') : undefined
}

/** Which optional components a node's environment turns off; names it does not know are ignored (a newer CLI's). */
export function disabledComponents(env: NodeJS.ProcessEnv): Set<OptionalComponent> {
  const named = (env[NodeEnv.disable] ?? '').split(',').map((s) => s.trim())
  return new Set(OPTIONAL_COMPONENTS.filter((c) => named.includes(c)))
}

/** Files the CLI copies into a node container before it starts (PEM). */
export const NodeFiles = {
  pkiDir: '/etc/skiff/pki',
  caCert: '/etc/skiff/pki/ca.crt',
  /** Only on control-plane nodes: signs service account tokens and later certificates. */
  caKey: '/etc/skiff/pki/ca.key',
  apiServerCert: '/etc/skiff/pki/apiserver.crt',
  apiServerKey: '/etc/skiff/pki/apiserver.key',
  /** Client certificate of this node's agent: CN=system:node:NAME, O=system:nodes. */
  nodeCert: '/etc/skiff/pki/node.crt',
  nodeKey: '/etc/skiff/pki/node.key',
  /** Only on control-plane nodes: identity of the controller manager (with its cloud and Ingress controllers), CN=system:kube-controller-manager. */
  controllerCert: '/etc/skiff/pki/controller.crt',
  controllerKey: '/etc/skiff/pki/controller.key',
  /** Only on control-plane nodes: the scheduler's identity, CN=system:kube-scheduler. */
  schedulerCert: '/etc/skiff/pki/scheduler.crt',
  schedulerKey: '/etc/skiff/pki/scheduler.key',
  /** Only on control-plane nodes: the apiserver's client certificate for the agents' :10250, CN=kube-apiserver-kubelet-client. */
  kubeletClientCert: '/etc/skiff/pki/apiserver-kubelet-client.crt',
  kubeletClientKey: '/etc/skiff/pki/apiserver-kubelet-client.key',
  /** The node-local network components' identity (service proxy, NetworkPolicy, DNS), CN=system:kube-proxy. */
  proxyCert: '/etc/skiff/pki/proxy.crt',
  proxyKey: '/etc/skiff/pki/proxy.key',
  /** Only on control-plane nodes: etcd's CA, its serving certificate and the apiserver's client certificate for it (mutual TLS). */
  etcdCACert: '/etc/skiff/pki/etcd/ca.crt',
  etcdServerCert: '/etc/skiff/pki/etcd/server.crt',
  etcdServerKey: '/etc/skiff/pki/etcd/server.key',
  etcdClientCert: '/etc/skiff/pki/apiserver-etcd-client.crt',
  etcdClientKey: '/etc/skiff/pki/apiserver-etcd-client.key',
  /** Only on control-plane nodes: an admin kubeconfig (like kind's /etc/kubernetes/admin.conf), for `skiff cluster kubeconfig`. */
  adminKubeconfig: '/etc/skiff/admin.conf',
  /** Only on control-plane nodes: the apiserver's EncryptionConfiguration (Secrets under a per-cluster AES-GCM key). */
  encryptionConfig: '/etc/skiff/pki/encryption-config.yaml',
  /** Only on control-plane nodes: the host's Docker socket (bind-mounted), for the cloud controller. */
  hostDockerSocket: '/skiff-host/docker.sock',
  /** etcd's data directory on control-plane nodes. */
  etcdDataDir: '/var/lib/skiff/etcd',
  /** The entrypoint's choice of containerd snapshotter (overlayfs, or native without a real filesystem); images are unpacked for it. */
  snapshotter: '/run/skiff/snapshotter',
  /** The node's cgroup path + "/pods", the parent of every pod sandbox's cgroup (written by the entrypoint). */
  cgroupParent: '/run/skiff/cgroup-parent',
} as const

/** Ports inside the node container. */
export const NodePorts = {
  apiServer: 6443,
  ingressHTTP: 80,
  ingressHTTPS: 443,
  etcdClient: 2379,
  agent: 10250,
} as const

/** Container labels by which skiff finds its clusters and nodes on the host Docker. */
export const Labels = {
  cluster: 'io.skiff.cluster',
  role: 'io.skiff.role',
  /** Host port the apiserver is published on (on the control-plane container). */
  apiServerPort: 'io.skiff.apiserver-port',
  /** Host ports of the Ingress controller (on the control-plane container). */
  ingressHTTPPort: 'io.skiff.ingress-http-port',
  ingressHTTPSPort: 'io.skiff.ingress-https-port',
  /** Image content hash the node image was built from. */
  imageHash: 'io.skiff.image-hash',
  version: 'io.skiff.version',
} as const

/** The role label of a cluster's load-balancer container (not a node): the host side of its LoadBalancer services. */
export const LOAD_BALANCER_ROLE = 'load-balancer'

/** The name of a cluster's load-balancer container on the host Docker. */
export function loadBalancerName(cluster: string): string {
  return `${cluster}-lb`
}

/** The built-in Ingress controller's IngressClass (the cluster default) and its controller name. */
export const INGRESS_CLASS = 'skiff'
export const INGRESS_CONTROLLER = 'skiff.dev/ingress-controller'

/**
 * The first address of a node's pod range: its CNI bridge and the pods' gateway (10.244.1.0/24 -> 10.244.1.1). The
 * agent configures the bridge with it and the policy enforcer trusts it, so both read it from here.
 */
export function podGateway(podCIDR: string): string {
  const cidr = podCIDR.trim()
  if (!isIPv4CIDR(cidr)) throw new Error(`not an IPv4 CIDR: ${podCIDR}`)
  if (prefixLength(cidr) > 30) throw new Error(`not a usable IPv4 pod CIDR: ${podCIDR}`)
  return addressIn(cidr, 1)
}

/** What a control plane's environment says about the host side: the address and Ingress ports published there, and the host engine. */
export function hostPublishing(env: NodeJS.ProcessEnv): {address: string; ingressPorts: {http: number; https: number}; docker?: string} {
  const port = (k: string, d: number) => Number(env[k]) || d
  return {
    address: env[NodeEnv.hostAddress] || '127.0.0.1',
    ingressPorts: {http: port(NodeEnv.ingressHTTPPort, NodePorts.ingressHTTP), https: port(NodeEnv.ingressHTTPSPort, NodePorts.ingressHTTPS)},
    ...(env[NodeEnv.hostDocker] ? {docker: env[NodeEnv.hostDocker]} : {}),
  }
}
