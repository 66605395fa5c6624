// Rule coverage for escalation checks: wildcards, subresources, resource names, URLs; Kubernetes' compact rule text.
import assert from 'node:assert/strict'
import {compactRule, uncoveredRules} from '../../../../src/apiserver/authz/rbac/index.js'

describe('RBAC escalation coverage', () => {
  it('a wildcard owner covers everything; nothing covers nothing', () => {
    assert.deepEqual(uncoveredRules([{verbs: ['*'], apiGroups: ['*'], resources: ['*']}], [{verbs: ['delete'], apiGroups: ['apps'], resources: ['deployments']}]), [])
    assert.deepEqual(uncoveredRules([], [{verbs: ['get', 'list'], apiGroups: [''], resources: ['pods']}]),
      [{verbs: ['get'], apiGroups: [''], resources: ['pods']}, {verbs: ['list'], apiGroups: [''], resources: ['pods']}])
  })
  it('subresources: pods/* and */log cover pods/log; pods does not', () => {
    const want = [{verbs: ['get'], apiGroups: [''], resources: ['pods/log']}]
    assert.equal(uncoveredRules([{verbs: ['get'], apiGroups: [''], resources: ['pods/*']}], want).length, 0)
    assert.equal(uncoveredRules([{verbs: ['get'], apiGroups: [''], resources: ['*/log']}], want).length, 0)
    assert.equal(uncoveredRules([{verbs: ['get'], apiGroups: [''], resources: ['pods']}], want).length, 1)
  })
  it('resource names: an owner limited to names covers only those names', () => {
    const owner = [{verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a']}]
    assert.equal(uncoveredRules(owner, [{verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a']}]).length, 0)
    assert.equal(uncoveredRules(owner, [{verbs: ['get'], apiGroups: [''], resources: ['configmaps']}]).length, 1)
  })
  it('non-resource URLs with trailing *', () => {
    assert.equal(uncoveredRules([{verbs: ['get'], nonResourceURLs: ['/apis/*']}], [{verbs: ['get'], nonResourceURLs: ['/apis/apps']}]).length, 0)
    assert.equal(uncoveredRules([{verbs: ['get'], nonResourceURLs: ['/apis/*']}], [{verbs: ['get'], nonResourceURLs: ['/healthz']}]).length, 1)
  })
  it('prints rules as Kubernetes\' CompactString', () => {
    assert.equal(compactRule({verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a']}), '{APIGroups:[""], Resources:["pods"], ResourceNames:["a"], Verbs:["get"]}')
    assert.equal(compactRule({verbs: ['get'], nonResourceURLs: ['/healthz']}), '{NonResourceURLs:["/healthz"], Verbs:["get"]}')
  })
})
