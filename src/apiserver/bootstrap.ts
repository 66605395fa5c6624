// Objects every cluster starts with: the four system namespaces and the `kubernetes` Service.
import type {KubeObject} from '../api/types.js'
import {StoreError} from '../store/index.js'
import {addressIn} from '../api/net/cidr.js'
import {keyOf, type ServerContext} from './context.js'
import {prepareCreate} from './objects.js'

/** Creates whatever of the bootstrap objects is missing (idempotent across restarts). */
export async function bootstrap(ctx: ServerContext): Promise<void> {
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
  // Namespaces first: the Service lives in one.
  for (const [def, obj] of wanted) {
    const key = keyOf(def, obj.metadata.namespace, obj.metadata.name!)
    if (await ctx.store.get(key)) continue
    prepareCreate(def, obj, ctx.now())
    ctx.deps.applyDefaults(def, obj)
    try {
      await ctx.store.create(key, obj)
    } catch (err) {
      // Another apiserver (or a restart race) created it first: fine.
      if (!(err instanceof StoreError && err.code === 'AlreadyExists')) throw err
    }
  }
}
