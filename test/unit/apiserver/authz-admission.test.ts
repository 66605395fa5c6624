// The authorization and admission seams: Kubernetes' 403 wording, the union's order, and the admission phases' order.
import assert from 'node:assert/strict'
import {ResourceRegistry} from '../../../src/api/registry.js'
import {admitMutating, admitValidating, type AdmissionAttributes, type AdmissionPlugin} from '../../../src/apiserver/admission/index.js'
import {attributesOf, forbidden, unionAuthorizer} from '../../../src/apiserver/authz/index.js'
import {route} from '../../../src/apiserver/route.js'

const robot = {name: 'system:serviceaccount:t:robot', groups: ['system:serviceaccounts']}
const registry = new ResourceRegistry()

describe('authorization seam', () => {
  it('words a denied namespaced, named, cluster-scoped and path request as Kubernetes does', () => {
    const list = attributesOf(robot, 'GET', route('GET', '/api/v1/namespaces/t/secrets', registry))
    assert.equal(forbidden(list).message, 'secrets is forbidden: User "system:serviceaccount:t:robot" cannot list resource "secrets" in API group "" in the namespace "t"')
    const get = attributesOf(robot, 'GET', route('GET', '/apis/apps/v1/namespaces/t/deployments/web', registry))
    assert.equal(forbidden(get).message, 'deployments.apps "web" is forbidden: User "system:serviceaccount:t:robot" cannot get resource "deployments" in API group "apps" in the namespace "t"')
    const nodes = attributesOf(robot, 'GET', route('GET', '/api/v1/nodes', registry))
    assert.match(forbidden(nodes).message, /cannot list resource "nodes" in API group "" at the cluster scope$/)
    const exec = attributesOf(robot, 'POST', route('POST', '/api/v1/namespaces/t/pods/p/exec', registry))
    assert.match(forbidden(exec).message, /cannot create resource "pods\/exec"/)
    const path = attributesOf(robot, 'GET', route('GET', '/metrics', registry))
    assert.equal(forbidden(path).message, 'forbidden: User "system:serviceaccount:t:robot" cannot get path "/metrics"')
    assert.equal(forbidden(list).code, 403)
  })

  it('asks a watch on one name as that name', () => {
    const a = attributesOf(robot, 'GET', route('GET', '/api/v1/namespaces/t/pods?watch=true&fieldSelector=metadata.name%3Dp', registry))
    assert.equal(a.verb, 'watch')
    assert.equal(a.name, 'p')
  })

  it('the union takes the first allow or deny and denies when nobody has an opinion', async () => {
    const calls: string[] = []
    const says = (n: string, decision: 'allow' | 'deny' | 'noOpinion') => ({authorize: () => (calls.push(n), {decision, reason: n})})
    const attrs = {user: robot, verb: 'get', resourceRequest: false, path: '/x'}
    assert.equal((await unionAuthorizer([says('a', 'noOpinion'), says('b', 'deny'), says('c', 'allow')]).authorize(attrs)).decision, 'deny')
    assert.deepEqual(calls, ['a', 'b'])
    assert.deepEqual(await unionAuthorizer([says('a', 'noOpinion'), says('b', 'noOpinion')]).authorize(attrs), {decision: 'noOpinion', reason: 'a, b'})
  })
})

describe('admission seam', () => {
  const def = registry.lookup('', 'v1', 'configmaps')!
  const attrs = (operation: AdmissionAttributes['operation']): AdmissionAttributes => ({operation, def, namespace: 't', name: 'c', object: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}}, user: robot, dryRun: false})

  it('runs mutating plugins in order, each seeing the previous change, and only for their operations', async () => {
    const seen: string[] = []
    const plugins: AdmissionPlugin[] = [
      {name: 'one', mutate: (a) => void (a.object!.metadata.labels = {one: 'x'})},
      {name: 'deletes-only', operations: ['DELETE'], mutate: () => void seen.push('deletes-only')},
      {name: 'two', mutate: (a) => void seen.push(`two saw ${JSON.stringify(a.object!.metadata.labels)}`)},
    ]
    const a = attrs('CREATE')
    await admitMutating(plugins, a, undefined)
    assert.deepEqual(seen, ['two saw {"one":"x"}'])
  })

  it('stops at the first validating refusal', async () => {
    const seen: string[] = []
    const plugins: AdmissionPlugin[] = [
      {name: 'no', validate: () => { throw new Error('refused') }},
      {name: 'later', validate: () => void seen.push('later')},
    ]
    await assert.rejects(admitValidating(plugins, attrs('UPDATE'), undefined), /refused/)
    assert.deepEqual(seen, [])
  })
})
