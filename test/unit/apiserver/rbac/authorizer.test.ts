// RBAC rule matching, subject matching, the resolver over fixed objects, and the authorizer's decisions and reasons.
import assert from 'node:assert/strict'
import type {AuthorizationAttributes} from '../../../../src/apiserver/authz/index.js'
import {authorizerOver, emptyRbacObjects, privilegedGroupAuthorizer, ruleAllows, RuleResolver, subjectApplies} from '../../../../src/apiserver/authz/rbac/index.js'
import {bootstrapClusterRoles} from '../../../../src/apiserver/authz/rbac/policy.js'
import type {KubeObject} from '../../../../src/api/types.js'

const alice = {name: 'alice', groups: ['devs', 'system:authenticated']}
const res = (verb: string, resource: string, extra: Partial<AuthorizationAttributes> = {}): AuthorizationAttributes =>
  ({user: alice, verb, resourceRequest: true, apiGroup: '', resource, namespace: 'dev', ...extra})

describe('RBAC rule matching', () => {
  it('verbs, groups and resources, with *', () => {
    assert.ok(ruleAllows(res('get', 'pods'), {verbs: ['get'], apiGroups: [''], resources: ['pods']}))
    assert.ok(!ruleAllows(res('list', 'pods'), {verbs: ['get'], apiGroups: [''], resources: ['pods']}))
    assert.ok(!ruleAllows(res('get', 'pods', {apiGroup: 'apps'}), {verbs: ['get'], apiGroups: [''], resources: ['pods']}))
    assert.ok(ruleAllows(res('delete', 'deployments', {apiGroup: 'apps'}), {verbs: ['*'], apiGroups: ['*'], resources: ['*']}))
  })
  it('subresources need resource/subresource, * or */subresource', () => {
    const log = res('get', 'pods', {subresource: 'log'})
    assert.ok(!ruleAllows(log, {verbs: ['get'], apiGroups: [''], resources: ['pods']}))
    assert.ok(ruleAllows(log, {verbs: ['get'], apiGroups: [''], resources: ['pods/log']}))
    assert.ok(ruleAllows(log, {verbs: ['get'], apiGroups: [''], resources: ['*/log']}))
    assert.ok(!ruleAllows(res('get', 'pods'), {verbs: ['get'], apiGroups: [''], resources: ['*/log']}))
  })
  it('resourceNames limit to named requests (a list is not granted)', () => {
    const rule = {verbs: ['get', 'list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a']}
    assert.ok(ruleAllows(res('get', 'configmaps', {name: 'a'}), rule))
    assert.ok(!ruleAllows(res('get', 'configmaps', {name: 'b'}), rule))
    assert.ok(!ruleAllows(res('list', 'configmaps'), rule))
  })
  it('non-resource URLs: exact, trailing * prefix, and never for resource requests', () => {
    const path = (p: string): AuthorizationAttributes => ({user: alice, verb: 'get', resourceRequest: false, path: p})
    const rule = {verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*']}
    assert.ok(ruleAllows(path('/healthz'), rule))
    assert.ok(!ruleAllows(path('/healthz/etcd'), rule))
    assert.ok(ruleAllows(path('/apis/apps/v1'), rule))
    assert.ok(!ruleAllows(path('/api'), rule))
    assert.ok(!ruleAllows(res('get', 'pods'), rule))
  })
  it('subjects: users, groups, ServiceAccounts (namespace defaults to the binding\'s)', () => {
    const sa = {name: 'system:serviceaccount:dev:builder', groups: ['system:serviceaccounts', 'system:serviceaccounts:dev']}
    assert.ok(subjectApplies(alice, {kind: 'User', name: 'alice'}, undefined))
    assert.ok(subjectApplies(alice, {kind: 'Group', name: 'devs'}, undefined))
    assert.ok(!subjectApplies(alice, {kind: 'Group', name: 'ops'}, undefined))
    assert.ok(subjectApplies(sa, {kind: 'ServiceAccount', name: 'builder'}, 'dev'))
    assert.ok(!subjectApplies(sa, {kind: 'ServiceAccount', name: 'builder'}, 'prod'))
    assert.ok(!subjectApplies(sa, {kind: 'ServiceAccount', name: 'builder'}, undefined))
    assert.ok(subjectApplies(sa, {kind: 'ServiceAccount', name: 'builder', namespace: 'dev'}, undefined))
    assert.ok(subjectApplies(sa, {kind: 'Group', name: 'system:serviceaccounts:dev'}, undefined))
  })
})

describe('RBAC authorizer over fixed objects', () => {
  const objects = emptyRbacObjects()
  const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({name, namespace, labels})
  const put = (map: Map<string, KubeObject>, o: KubeObject) => map.set(o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name!, o)
  for (const cr of bootstrapClusterRoles()) put(objects.clusterRoles, cr)
  put(objects.roles, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('cm', 'dev'), rules: [{verbs: ['create'], apiGroups: [''], resources: ['configmaps']}]})
  put(objects.clusterRoles, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta('widgets-view', undefined, {'rbac.authorization.k8s.io/aggregate-to-view': 'true'}),
    rules: [{verbs: ['get'], apiGroups: ['example.com'], resources: ['widgets']}]})
  const ref = (kind: string, name: string) => ({apiGroup: 'rbac.authorization.k8s.io', kind, name})
  put(objects.roleBindings, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('devs-view', 'dev'), roleRef: ref('ClusterRole', 'view'), subjects: [{kind: 'Group', name: 'devs'}]})
  put(objects.roleBindings, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('alice-cm', 'dev'), roleRef: ref('Role', 'cm'), subjects: [{kind: 'User', name: 'alice'}]})
  put(objects.roleBindings, {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta('ghost', 'dev'), roleRef: ref('Role', 'missing'), subjects: [{kind: 'User', name: 'alice'}]})
  const authz = authorizerOver(new RuleResolver(() => objects))

  it('a RoleBinding to a ClusterRole grants in its namespace only, with Kubernetes\' allow reason', async () => {
    const d = await authz.authorize(res('list', 'pods'))
    assert.equal(d.decision, 'allow')
    assert.equal(d.reason, 'RBAC: allowed by RoleBinding "devs-view/dev" of ClusterRole "view" to Group "devs"')
    assert.equal((await authz.authorize(res('list', 'pods', {namespace: 'prod'}))).decision, 'noOpinion')
    assert.equal((await authz.authorize(res('create', 'configmaps'))).decision, 'allow')
    assert.equal((await authz.authorize(res('delete', 'configmaps'))).decision, 'noOpinion')
  })
  it('denials have no opinion; the reason names missing roles of applicable bindings', async () => {
    const d = await authz.authorize(res('get', 'secrets'))
    assert.deepEqual(d, {decision: 'noOpinion', reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found'})
  })
  it('view picks up the rules of ClusterRoles labelled aggregate-to-view', async () => {
    assert.equal((await authz.authorize(res('get', 'widgets', {apiGroup: 'example.com'}))).decision, 'allow')
  })
  it('the resolver lists the rules held in a namespace', () => {
    const {rules} = authz.resolver.rulesFor(alice, 'dev')
    assert.ok(rules.some((r) => r.resources?.includes('configmaps') && r.verbs?.includes('create')))
    assert.deepEqual(authz.resolver.rulesFor(alice, 'prod').rules, [])
  })
  it('system:masters is allowed everything; others get no opinion', async () => {
    assert.equal((await privilegedGroupAuthorizer.authorize({...res('delete', 'nodes'), user: {name: 'x', groups: ['system:masters']}})).decision, 'allow')
    assert.equal((await privilegedGroupAuthorizer.authorize(res('delete', 'nodes'))).decision, 'noOpinion')
  })
})
