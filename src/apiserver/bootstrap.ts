// Objects every cluster starts with: the four system namespaces, the `kubernetes` and `kube-dns` Services, the default IngressClass and StorageClass (each left out with its component), the system PriorityClasses, and the kubernetes endpoints pointing at this apiserver.
import type {KubeObject} from '../api/types.js'
import {StoreError} from '../store/index.js'
import {addressIn} from '../api/net/cidr.js'
import {keyOf, type ServerContext} from './context.js'
import {prepareCreate} from './objects.js'
import {INGRESS_CLASS, INGRESS_CONTROLLER, type OptionalComponent} from '../api/contract.js'
import {reconcileBootstrapPolicy} from './authz/rbac/reconcile.js'
import {SYSTEM_PRIORITY_CLASSES} from '../api/resources/scheduling/priorityclass.js'
import {DEFAULT_STORAGE_CLASS, LOCAL_PATH_PROVISIONER, StorageAnnotations} from '../api/storage.js'

/**
 * Creates whatever of the bootstrap objects is missing (idempotent across restarts). A component turned off gets no
 * objects: the user's own DNS, Ingress controller or provisioner brings its Service or class (an existing one is kept).
 */
export async function bootstrap(ctx: ServerContext, advertise?: {address: string; port: number}, disabled: ReadonlySet<OptionalComponent> = new Set()): Promise<void> {
  // The first address of the service range belongs to the `kubernetes` Service, as in Kubernetes.
  const serviceIP = addressIn(ctx.allocation.serviceCIDR, 1)
  const nsDef = ctx.registry.lookup('', 'v1', 'namespaces')!
  const svcDef = ctx.registry.lookup('', 'v1', 'services')!
  const wanted: Array<[typeof nsDef, KubeObject]> = ['default', 'kube-system', 'kube-public', 'kube-node-lease'].map(name =>
    [nsDef, {apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels: {'kubernetes.io/metadata.name': name}}}])
  wanted.push([svcDef, {
    apiVersion: 'v1', kind: 'Service',
    metadata: {name: 'kubernetes', namespace: 'default', labels: {component: 'apiserver', provider: 'kubernetes'}},
    spec: {type: 'ClusterIP', clusterIP: serviceIP, clusterIPs: [serviceIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack',
      sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', ports: [{name: 'https', port: 443, protocol: 'TCP', targetPort: 6443}]},
  }])
  // The cluster DNS Service: every node's DNS server is an endpoint (they register themselves), and its Local
  // internal traffic policy sends each pod to the server on its own node.
  const dnsIP = addressIn(ctx.allocation.serviceCIDR, 10)
  if (!disabled.has('dns')) wanted.push([svcDef, {
    apiVersion: 'v1', kind: 'Service',
    metadata: {name: 'kube-dns', namespace: 'kube-system', labels: {'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'KubeDNS'}},
    spec: {type: 'ClusterIP', clusterIP: dnsIP, clusterIPs: [dnsIP], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None', internalTrafficPolicy: 'Local',
      ports: [{name: 'dns', port: 53, protocol: 'UDP', targetPort: 53}, {name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53}]},
  }])
  // The built-in Ingress controller's class, the default for Ingresses that name none.
  const classDef = ctx.registry.lookup('networking.k8s.io', 'v1', 'ingressclasses')
  if (classDef && !disabled.has('ingress')) {
    wanted.push([classDef, {
      apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass',
      metadata: {name: INGRESS_CLASS, annotations: {'ingressclass.kubernetes.io/is-default-class': 'true'}, labels: {'app.kubernetes.io/component': 'controller'}},
      spec: {controller: INGRESS_CONTROLLER},
    }])
  }
  // The built-in local-path provisioner's class, the default for claims that name none. A volume is made on the node
  // its first pod lands on, so binding waits for that pod (WaitForFirstConsumer), as kind's `standard` class does.
  const scDef = ctx.registry.lookup('storage.k8s.io', 'v1', 'storageclasses')
  if (scDef && !disabled.has('storage')) {
    wanted.push([scDef, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: {name: DEFAULT_STORAGE_CLASS, annotations: {[StorageAnnotations.defaultClass]: 'true'}},
      provisioner: LOCAL_PATH_PROVISIONER, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
    }])
  }
  // The two system priority classes (system-node-critical, system-cluster-critical), as kube-apiserver's scheduling storage creates them.
  const pcDef = ctx.registry.lookup('scheduling.k8s.io', 'v1', 'priorityclasses')
  if (pcDef) for (const pc of SYSTEM_PRIORITY_CLASSES) wanted.push([pcDef, structuredClone(pc)])
  const ensure = async ([def, obj]: (typeof wanted)[number]) => {
    const key = keyOf(def, obj.metadata.namespace, obj.metadata.name!)
    if (await ctx.store.get(key)) return
    prepareCreate(def, obj, ctx.now())
    ctx.deps.applyDefaults(def, obj)
    try {
      await ctx.store.create(key, obj)
    } catch (err) {
      // Another apiserver (or a restart race) created it first: fine.
      if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err
    }
  }
  // Namespaces first (the other objects live in them), then the rest at once: these writes are independent, and
  // concurrent ones share etcd's disk syncs, where one after another each waits for its own (a cluster's first
  // boot writes about a hundred objects here, RBAC's included).
  const isNamespace = ([def]: (typeof wanted)[number]) => def === nsDef
  await Promise.all(wanted.filter(isNamespace).map(ensure))
  await Promise.all([
    ...wanted.filter((w) => !isNamespace(w)).map(ensure),
    reconcileBootstrapPolicy(ctx),
    advertise ? reconcileKubernetesEndpoints(ctx, advertise) : undefined,
  ])
}

/**
 * Points `default/kubernetes` (Endpoints and its EndpointSlice) at this apiserver, as kube-apiserver's endpoint
 * reconciler does, so pods reach the API at kubernetes.default.svc. Rewritten on every start: the address may change.
 */
async function reconcileKubernetesEndpoints(ctx: ServerContext, advertise: {address: string; port: number}): Promise<void> {
  const port = {name: 'https', port: advertise.port, protocol: 'TCP'}
  const labels = {'endpointslice.kubernetes.io/skip-mirror': 'true'}
  const objects: Array<[string, string, string, KubeObject]> = [
    ['', 'v1', 'endpoints', {apiVersion: 'v1', kind: 'Endpoints', metadata: {name: 'kubernetes', namespace: 'default', labels}, subsets: [{addresses: [{ip: advertise.address}], ports: [port]}]}],
    ['discovery.k8s.io', 'v1', 'endpointslices', {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: {name: 'kubernetes', namespace: 'default', labels: {'kubernetes.io/service-name': 'kubernetes'}},
      addressType: 'IPv4', endpoints: [{addresses: [advertise.address], conditions: {ready: true}}], ports: [port],
    }],
  ]
  for (const [group, version, resource, obj] of objects) {
    const def = ctx.registry.lookup(group, version, resource)!
    const key = keyOf(def, 'default', 'kubernetes')
    const stored = await ctx.store.get(key)
    if (stored) {
      const {metadata: _m, ...want} = obj
      const {metadata: _s, ...have} = stored.value
      if (JSON.stringify(want) === JSON.stringify({...have, apiVersion: want.apiVersion, kind: want.kind})) continue
      await ctx.store.update(key, {...stored.value, ...want}, stored.modRevision).catch(() => undefined)
      continue
    }
    prepareCreate(def, obj, ctx.now())
    ctx.deps.applyDefaults(def, obj)
    await ctx.store.create(key, obj).catch((err) => {
      if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err
    })
  }
}
