import assert from 'node:assert/strict'
import type {Pod} from '../../../../src/api/types/workloads.js'
import type {AuthorizationAttributes} from '../../../../src/apiserver/authz/index.js'
import {NodeGraph, nodeAuthorizerOver, nodeIdentity} from '../../../../src/apiserver/authz/node/index.js'
import {nodeRestriction} from '../../../../src/apiserver/admission/node-restriction.js'
import type {AdmissionAttributes} from '../../../../src/apiserver/admission/index.js'
import type {ResourceDef} from '../../../../src/api/registry.js'
import type {ServerContext} from '../../../../src/apiserver/context.js'

const nodeUser = (n: string) => ({name: `system:node:${n}`, groups: ['system:nodes', 'system:authenticated']})

const pod = (name: string, node: string | undefined, extra: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'ns'},
  spec: {
    nodeName: node, serviceAccountName: 'robot', imagePullSecrets: [{name: 'pull'}],
    containers: [{name: 'c', env: [{name: 'A', valueFrom: {secretKeyRef: {name: 'env-secret', key: 'k'}}}], envFrom: [{configMapRef: {name: 'env-cm'}}]}],
    volumes: [
      {name: 'v1', secret: {secretName: 'vol-secret'}},
      {name: 'v2', projected: {sources: [{configMap: {name: 'proj-cm'}}, {secret: {name: 'proj-secret'}}]}},
      {name: 'v3', persistentVolumeClaim: {claimName: 'data'}},
    ],
    ...extra,
  },
} as Pod)

const ask = (node: string, verb: string, resource: string, name?: string, more: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes =>
  ({user: nodeUser(node), verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, namespace: 'ns', name, ...more})

describe('Node authorizer', () => {
  const graph = new NodeGraph()
  const authz = nodeAuthorizerOver(graph)
  const decide = async (a: AuthorizationAttributes) => (await authz.authorize(a)).decision

  before(() => {
    graph.setPod(pod('web', 'a'))
    graph.setPod(pod('pending', undefined, {volumes: [{name: 'x', secret: {secretName: 'unbound-secret'}}]}))
    graph.setClaim({apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: {name: 'data', namespace: 'ns'}, spec: {volumeName: 'pv-1'}})
  })

  it('knows node identities: system:node:<name> in system:nodes', () => {
    assert.equal(nodeIdentity(nodeUser('a')), 'a')
    assert.equal(nodeIdentity({name: 'system:node:a', groups: []}), undefined)
    assert.equal(nodeIdentity({name: 'someone', groups: ['system:nodes']}), '')
  })

  it('allows a node every Secret and ConfigMap its pods use (volumes, projected, env, envFrom, image pull), and no other', async () => {
    for (const s of ['vol-secret', 'proj-secret', 'env-secret', 'pull']) assert.equal(await decide(ask('a', 'get', 'secrets', s)), 'allow', s)
    for (const c of ['env-cm', 'proj-cm']) assert.equal(await decide(ask('a', 'get', 'configmaps', c)), 'allow', c)
    // A one-name watch (the agent's way of following a Secret) is as good as a get.
    assert.equal(await decide(ask('a', 'watch', 'secrets', 'vol-secret')), 'allow')
    const other = await authz.authorize(ask('b', 'get', 'secrets', 'vol-secret'))
    assert.deepEqual(other, {decision: 'noOpinion', reason: "no relationship found between node 'b' and this object"})
    assert.equal(await decide(ask('a', 'get', 'secrets', 'unbound-secret')), 'noOpinion', 'a pod not bound yet relates to no node')
    assert.equal(await decide(ask('a', 'get', 'secrets', 'vol-secret', {namespace: 'elsewhere'})), 'noOpinion')
    assert.equal((await authz.authorize(ask('a', 'list', 'secrets'))).reason, 'No Object name found')
    assert.equal((await authz.authorize(ask('a', 'update', 'secrets', 'vol-secret'))).reason, 'can only read resources of this type')
  })

  it('follows pod → claim → volume with get only, and tokens for the pods’ service accounts', async () => {
    assert.equal(await decide(ask('a', 'get', 'persistentvolumeclaims', 'data')), 'allow')
    assert.equal(await decide(ask('a', 'get', 'persistentvolumes', 'pv-1', {namespace: undefined})), 'allow')
    assert.equal(await decide(ask('b', 'get', 'persistentvolumes', 'pv-1', {namespace: undefined})), 'noOpinion')
    assert.equal(await decide(ask('a', 'list', 'persistentvolumes', undefined, {namespace: undefined})), 'noOpinion')
    assert.equal(await decide(ask('a', 'create', 'serviceaccounts', 'robot', {subresource: 'token'})), 'allow')
    assert.equal(await decide(ask('b', 'create', 'serviceaccounts', 'robot', {subresource: 'token'})), 'noOpinion')
    assert.equal(await decide(ask('a', 'get', 'serviceaccounts', 'robot')), 'noOpinion')
  })

  it('forgets a pod when it is deleted or moves', async () => {
    const g = new NodeGraph()
    const z = nodeAuthorizerOver(g)
    g.setPod(pod('web', 'a'))
    g.setPod(pod('web2', 'a'))
    g.deletePod(pod('web', 'a'))
    assert.equal((await z.authorize(ask('a', 'get', 'secrets', 'vol-secret'))).decision, 'allow', 'web2 still uses it')
    g.deletePod(pod('web2', 'a'))
    assert.equal((await z.authorize(ask('a', 'get', 'secrets', 'vol-secret'))).decision, 'noOpinion')
  })

  it('limits leases to the node’s own in kube-node-lease, and applies the static node rules to the rest', async () => {
    const lease = (node: string, verb: string, name?: string, namespace = 'kube-node-lease') => ask(node, verb, 'leases', name, {apiGroup: 'coordination.k8s.io', namespace})
    assert.equal(await decide(lease('a', 'update', 'a')), 'allow')
    assert.equal(await decide(lease('a', 'update', 'b')), 'noOpinion')
    assert.equal(await decide(lease('a', 'get', 'a', 'default')), 'noOpinion')
    assert.equal(await decide(ask('a', 'list', 'pods', undefined)), 'allow')
    assert.equal(await decide(ask('a', 'patch', 'pods', 'web', {subresource: 'status'})), 'allow')
    assert.equal(await decide(ask('a', 'update', 'pods', 'web')), 'noOpinion')
    assert.equal(await decide(ask('a', 'create', 'tokenreviews', undefined, {apiGroup: 'authentication.k8s.io', namespace: undefined})), 'allow')
    assert.equal(await decide(ask('a', 'list', 'namespaces', undefined, {namespace: undefined})), 'noOpinion')
    assert.equal(await decide({user: {name: 'alice', groups: []}, verb: 'get', resourceRequest: true, resource: 'secrets', namespace: 'ns', name: 'vol-secret'}), 'noOpinion', 'not a node: no opinion')
  })
})

describe('NodeRestriction admission', () => {
  const def = (resource: string): ResourceDef => ({group: '', version: 'v1', resource} as ResourceDef)
  const admit = async (a: Partial<AdmissionAttributes>) => nodeRestriction.validate!({dryRun: false, user: nodeUser('a'), name: '', ...a} as AdmissionAttributes, undefined as unknown as ServerContext)
  const node = (name: string, labels: Record<string, string> = {}) => ({apiVersion: 'v1', kind: 'Node', metadata: {name, labels}})

  it('lets a node modify only its own Node, without restricted labels', async () => {
    await admit({operation: 'UPDATE', def: def('nodes'), name: 'a', object: node('a', {x: '1'}), oldObject: node('a')})
    await assert.rejects(admit({operation: 'UPDATE', def: def('nodes'), name: 'b', object: node('b'), oldObject: node('b')}), /nodes "b" is forbidden: node "a" is not allowed to modify node "b"/)
    await assert.rejects(admit({operation: 'UPDATE', def: def('nodes'), name: 'a', object: node('a', {'node-restriction.kubernetes.io/pool': 'x'}), oldObject: node('a')}),
      /is not allowed to modify labels: node-restriction.kubernetes.io\/pool/)
    // Labels an admin set stay as they are through the node's updates.
    await admit({operation: 'UPDATE', def: def('nodes'), name: 'a', object: node('a', {'node-restriction.kubernetes.io/pool': 'x'}), oldObject: node('a', {'node-restriction.kubernetes.io/pool': 'x'})})
  })

  it('lets a node write status of and delete only pods bound to it, and create only its mirror pods', async () => {
    const p = (n: string) => pod('web', n) as unknown as AdmissionAttributes['object']
    await admit({operation: 'UPDATE', def: def('pods'), name: 'web', subresource: 'status', object: p('a'), oldObject: p('a')})
    await assert.rejects(admit({operation: 'UPDATE', def: def('pods'), name: 'web', subresource: 'status', object: p('b'), oldObject: p('b')}), /can only update pod status for pods with spec.nodeName set to itself/)
    await admit({operation: 'DELETE', def: def('pods'), name: 'web', oldObject: p('a')})
    await assert.rejects(admit({operation: 'DELETE', def: def('pods'), name: 'web', oldObject: p('b')}), /can only delete pods with spec.nodeName set to itself/)
    await assert.rejects(admit({operation: 'CREATE', def: def('pods'), name: 'web', object: p('a')}), /can only create mirror pods/)
    const mirror = {...p('a')!, metadata: {name: 'web', namespace: 'ns', annotations: {'kubernetes.io/config.mirror': 'x'}}}
    await admit({operation: 'CREATE', def: def('pods'), name: 'web', object: mirror})
    // Anyone else is not this plugin's business.
    await nodeRestriction.validate!({operation: 'DELETE', def: def('pods'), name: 'web', oldObject: p('b'), user: {name: 'alice', groups: []}, dryRun: false} as AdmissionAttributes, undefined as unknown as ServerContext)
  })
})
