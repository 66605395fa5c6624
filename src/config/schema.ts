// The JSON Schema of the cluster config file: the one list of allowed fields, which the loader's strict key checks read too (templates/cluster.schema.json is generated from it).

/** The subset of JSON Schema this file uses. */
export interface JSONSchema {
  $schema?: string
  $id?: string
  title?: string
  description?: string
  type?: string | string[]
  properties?: Record<string, JSONSchema>
  additionalProperties?: boolean | JSONSchema
  required?: string[]
  items?: JSONSchema
  enum?: (string | number)[]
  const?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minItems?: number
  pattern?: string
  oneOf?: JSONSchema[]
}

const port = (description: string, min = 0): JSONSchema => ({type: 'integer', minimum: min, maximum: 65535, description})

const taint: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['key', 'effect'],
  properties: {
    key: {type: 'string', description: 'taint key, e.g. dedicated'},
    value: {type: 'string'},
    effect: {type: 'string', enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute']},
  },
}

const portMapping: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['containerPort'],
  properties: {
    containerPort: port('port inside the node container (a hostPort pod or NodePort service listens there)', 1),
    hostPort: port('port on the host; 0 or left out picks a free one'),
    protocol: {type: 'string', enum: ['TCP', 'UDP', 'SCTP'], description: 'default TCP'},
    listenAddress: {type: 'string', pattern: '^\\d{1,3}(\\.\\d{1,3}){3}$', description: 'host address to bind; default 127.0.0.1'},
  },
}

const node: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['role'],
  properties: {
    role: {type: 'string', enum: ['control-plane', 'worker']},
    labels: {type: 'object', additionalProperties: {type: 'string'}, description: 'extra labels of the Node'},
    taints: {type: 'array', items: taint, description: 'taints of the Node'},
    cpus: {type: 'number', exclusiveMinimum: 0, description: 'CPU limit of the node container (cores, e.g. 1 or 1.5); the Node reports it as capacity'},
    memory: {type: ['string', 'integer'], pattern: '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$', description: 'memory limit of the node container (bytes or a quantity such as 1Gi); the Node reports it as capacity'},
    extraPortMappings: {type: 'array', items: portMapping, description: 'ports of the node container published on the host'},
  },
}

const component = (description: string): JSONSchema => ({type: 'boolean', description: `${description}; default true, false turns it off`})

/** Optional built-in components, each on unless set to false (the names are OPTIONAL_COMPONENTS in src/api/contract.ts). */
const components: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'built-in components to turn off (as k3s --disable), e.g. to install your own',
  properties: {
    dns: component('cluster DNS: a DNS server on each node and the kube-dns Service (10th address of the service range)'),
    ingress: component('the built-in Ingress controller and its default IngressClass "skiff"; off, host ports 80/443 are not reserved'),
    loadBalancer: component('the cloud controller that publishes LoadBalancer services on the host'),
    networkPolicy: component('NetworkPolicy enforcement on each node'),
    storage: component('the local-path provisioner and its default StorageClass "standard"'),
  },
}

/** The schema of `apiVersion: skiff.dev/v1alpha1, kind: Cluster`. */
export const clusterConfigSchema: JSONSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://skiff.dev/schemas/cluster-v1alpha1.json',
  title: 'skiff cluster config (skiff.dev/v1alpha1 Cluster)',
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind'],
  properties: {
    apiVersion: {const: 'skiff.dev/v1alpha1'},
    kind: {const: 'Cluster'},
    name: {type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'cluster name (Docker container and network names, kubeconfig context skiff-NAME)'},
    image: {type: 'string', description: 'node image; default: built from this checkout'},
    nodeGracePeriodSeconds: {type: 'integer', minimum: 1, description: 'seconds without a heartbeat before a node turns NotReady'},
    nodes: {type: 'array', minItems: 1, items: node},
    networking: {
      type: 'object',
      additionalProperties: false,
      properties: {
        podSubnet: {type: 'string', description: 'pod range, /16 or larger'},
        serviceSubnet: {type: 'string', description: 'service range, /16 or larger'},
        apiServerAddress: {type: 'string', description: 'host address the apiserver is published on'},
        apiServerPort: port('host port of the apiserver; 0 picks a free one'),
        ingressHTTPPort: port('host port of the Ingress controller (HTTP); left out: 80 when free'),
        ingressHTTPSPort: port('host port of the Ingress controller (HTTPS); left out: 443 when free'),
      },
    },
    components,
  },
}

/** The allowed keys of the mapping at a schema path such as "", "nodes[]", "nodes[].taints[]" or "networking". */
export function allowedKeys(path: string, schema: JSONSchema = clusterConfigSchema): string[] {
  let s: JSONSchema | undefined = schema
  for (const part of path.split('.').filter(Boolean)) {
    const name = part.replace(/\[\]$/, '')
    s = s?.properties?.[name]
    if (part.endsWith('[]')) s = s?.items
  }
  return Object.keys(s?.properties ?? {})
}
