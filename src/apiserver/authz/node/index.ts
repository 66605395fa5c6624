// The Node authorizer (Kubernetes' plugin/pkg/auth/authorizer/node): a node reads only the Secrets, ConfigMaps, claims and volumes of its own pods.
import type {KubeObject} from '../../../api/types.js'
import type {Pod} from '../../../api/types/workloads.js'
import type {UserInfo} from '../../authn.js'
import {resourcePrefix, type Store} from '../../../store/index.js'
import {ruleAllows} from '../rbac/match.js'
import type {AuthorizationAttributes, Authorizer, Decision} from '../types.js'
import {NodeGraph, type RelatedKind} from './graph.js'
import {nodeRules} from './rules.js'

export {NodeGraph, podEdges, type PodEdges, type RelatedKind} from './graph.js'
export {nodeRules} from './rules.js'

export const NODES_GROUP = 'system:nodes'
const NODE_USER_PREFIX = 'system:node:'
export const NODE_LEASE_NAMESPACE = 'kube-node-lease'

/** The node a user is, when it is one: in system:nodes and named system:node:<name> ('' for an unnamed member). */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP)) return undefined
  return user.name.startsWith(NODE_USER_PREFIX) ? user.name.slice(NODE_USER_PREFIX.length) : ''
}

const noOpinion = (reason?: string): Decision => ({decision: 'noOpinion', reason})
const ALLOW: Decision = {decision: 'allow'}

/** Decides node requests over `graph`; non-node users get no opinion. */
export function nodeAuthorizerOver(graph: NodeGraph, ready: Promise<void> = Promise.resolve()): Authorizer {
  const rules = nodeRules()
  const related = (node: string, kind: RelatedKind, a: AuthorizationAttributes): Decision => {
    if (!a.name) return noOpinion('No Object name found')
    return graph.related(node, kind, a.namespace ?? '', a.name) ? ALLOW : noOpinion(`no relationship found between node '${node}' and this object`)
  }
  const readNamespaced = (node: string, kind: RelatedKind, a: AuthorizationAttributes): Decision => {
    if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type')
    if (a.subresource) return noOpinion('cannot read subresource')
    if (!a.namespace) return noOpinion('can only read namespaced object of this type')
    return related(node, kind, a)
  }
  const getOnly = (node: string, kind: RelatedKind, a: AuthorizationAttributes): Decision => {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type')
    if (a.subresource) return noOpinion('cannot get subresource')
    return related(node, kind, a)
  }
  const claim = (node: string, a: AuthorizationAttributes): Decision => {
    if (a.subresource !== 'status') return getOnly(node, 'pvc', a)
    if (a.verb === 'get') return related(node, 'pvc', a)
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get or update status of this type')
    return related(node, 'pvc', a)
  }
  const token = (node: string, a: AuthorizationAttributes): Decision => {
    if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts')
    if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount')
    return related(node, 'serviceaccount', a)
  }
  const lease = (node: string, a: AuthorizationAttributes): Decision => {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease')
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`)
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node')
    return ALLOW
  }
  return {
    async authorize(a) {
      const node = nodeIdentity(a.user)
      if (node === undefined) return noOpinion()
      if (!node) return noOpinion(`unknown node for user "${a.user.name}"`)
      if (a.resourceRequest) {
        await ready
        const group = a.apiGroup ?? ''
        if (group === '') {
          if (a.resource === 'secrets') return readNamespaced(node, 'secret', a)
          if (a.resource === 'configmaps') return readNamespaced(node, 'configmap', a)
          if (a.resource === 'persistentvolumeclaims') return claim(node, a)
          if (a.resource === 'persistentvolumes') return getOnly(node, 'pv', a)
          if (a.resource === 'serviceaccounts') return token(node, a)
        }
        if (group === 'coordination.k8s.io' && a.resource === 'leases') return lease(node, a)
      }
      // Everything else is not subdivided: the static node rules decide.
      return rules.some((r) => ruleAllows(a, r)) ? ALLOW : noOpinion()
    },
    rulesFor(user) {
      return {rules: nodeIdentity(user) ? rules : [], incomplete: false, errors: []}
    },
  }
}

/** A Node authorizer whose graph follows the store's pods and claims (list, then watch; relist after a lost watch). */
export interface NodeAuthorizer extends Authorizer {
  graph: NodeGraph
  ready: Promise<void>
  close(): void
}

export function createNodeAuthorizer(store: Store, retryMs = 1000): NodeAuthorizer {
  const graph = new NodeGraph()
  const cancels: Array<() => void> = []
  let closed = false
  const follow = async (prefix: string, replace: (items: KubeObject[]) => void, put: (o: KubeObject) => void, del: (o: KubeObject) => void): Promise<void> => {
    const items: KubeObject[] = []
    let revision = 0
    let cont: string | undefined
    do {
      const page = await store.list(prefix, {continue: cont, limit: 500})
      items.push(...page.items.map((i) => i.value))
      revision = revision || page.revision
      cont = page.continue
    } while (cont)
    replace(items)
    if (closed) return
    cancels.push(store.watch(prefix, revision, {
      onEvent: (ev) => (ev.type === 'delete' ? del(ev.value) : put(ev.value)),
      onError: () => {
        if (!closed) setTimeout(() => void follow(prefix, replace, put, del).catch(() => undefined), retryMs).unref()
      },
    }))
  }
  const ready = Promise.all([
    follow(resourcePrefix('', 'pods'), (ps) => graph.replacePods(ps as Pod[]), (p) => graph.setPod(p as Pod), (p) => graph.deletePod(p)),
    follow(resourcePrefix('', 'persistentvolumeclaims'), (cs) => graph.replaceClaims(cs), (c) => graph.setClaim(c), (c) => graph.deleteClaim(c)),
  ]).then(() => undefined)
  return {
    ...nodeAuthorizerOver(graph, ready), graph, ready,
    close() {
      closed = true
      for (const c of cancels.splice(0)) c()
    },
  }
}
