// Admission webhooks and policies, pure parts: rule/selector matching, the review sent, refusal wording, kind defaults and validation, CEL policy evaluation.
import assert from 'node:assert/strict'
import {ResourceRegistry} from '../../../src/api/registry.js'
import {decodeMessage} from '../../../src/apiserver/protobuf/index.js'
import {applyDefaults, validateObject} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {factsOf, namespaceSelectorMatches, objectSelectorMatches, ruleMatches, type RequestFacts} from '../../../src/apiserver/admission/match.js'
import {evaluatePolicy} from '../../../src/apiserver/admission/policy/evaluate.js'
import type {AdmissionAttributes} from '../../../src/apiserver/admission/types.js'
import {webhookUrl} from '../../../src/apiserver/admission/webhook/call.js'
import {buildReview, deniedError} from '../../../src/apiserver/admission/webhook/review.js'

const registry = new ResourceRegistry()
const def = (group: string, resource: string) => registry.lookup(group, group === '' ? 'v1' : group === 'apps' ? 'apps/v1'.split('/')[1] : 'v1', resource)!
const user = {name: 'alice', groups: ['devs', 'system:authenticated']}

function attrs(over: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return {operation: 'CREATE', def: def('', 'configmaps'), namespace: 'team', name: 'cm', object: {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'cm', namespace: 'team', labels: {app: 'x'}}}, user, dryRun: false, ...over}
}

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespace: 'ns', name: 'p', ...over})

describe('admission webhook rule matching', () => {
  const rule = {operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*'}

  it('needs every part of the rule to cover the request, with * wildcards', () => {
    assert.ok(ruleMatches(rule, facts()))
    assert.ok(!ruleMatches(rule, facts({operation: 'UPDATE'})))
    assert.ok(!ruleMatches(rule, facts({group: 'apps'})))
    assert.ok(!ruleMatches(rule, facts({version: 'v2'})))
    assert.ok(ruleMatches({...rule, operations: ['*'], apiGroups: ['*'], apiVersions: ['*']}, facts({operation: 'DELETE', group: 'apps', resource: 'pods'})))
  })

  it('matches subresources only when named: pods/status, pods/*, */status, */*; * is main resources only', () => {
    const status = facts({operation: 'UPDATE', subresource: 'status'})
    assert.ok(!ruleMatches({...rule, operations: ['*']}, status))
    assert.ok(ruleMatches({...rule, operations: ['*'], resources: ['pods/status']}, status))
    assert.ok(ruleMatches({...rule, operations: ['*'], resources: ['pods/*']}, status))
    // As rules.Matcher reads it, 'pods/*' also covers pods itself (sub '*' matches the empty subresource).
    assert.ok(ruleMatches({...rule, operations: ['*'], resources: ['pods/*']}, facts()))
    assert.ok(ruleMatches({...rule, operations: ['*'], resources: ['*/status']}, status))
    assert.ok(ruleMatches({...rule, operations: ['*'], resources: ['*/*']}, status))
    assert.ok(!ruleMatches({...rule, operations: ['*'], resources: ['*']}, status))
    assert.ok(ruleMatches({...rule, resources: ['*']}, facts()))
  })

  it('scopes: Namespaced excludes cluster objects and Namespaces; Cluster includes Namespaces', () => {
    const ns = facts({resource: 'namespaces', namespace: ''})
    const node = facts({resource: 'nodes', namespace: ''})
    const any = {...rule, resources: ['*']}
    assert.ok(ruleMatches({...any, scope: 'Namespaced'}, facts()))
    assert.ok(!ruleMatches({...any, scope: 'Namespaced'}, node))
    assert.ok(!ruleMatches({...any, scope: 'Namespaced'}, ns))
    assert.ok(ruleMatches({...any, scope: 'Cluster'}, ns))
    assert.ok(ruleMatches({...any, scope: 'Cluster'}, node))
    assert.ok(!ruleMatches({...any, scope: 'Cluster'}, facts()))
  })

  it('objectSelector matches the new or the old object; an empty selector matches all', () => {
    const sel = {matchLabels: {hook: 'on'}}
    const on: KubeObject = {metadata: {labels: {hook: 'on'}}}
    const off: KubeObject = {metadata: {labels: {hook: 'off'}}}
    assert.ok(objectSelectorMatches(sel, on, undefined))
    assert.ok(objectSelectorMatches(sel, off, on))
    assert.ok(!objectSelectorMatches(sel, off, undefined))
    assert.ok(!objectSelectorMatches(sel, undefined, undefined))
    assert.ok(objectSelectorMatches({}, off, undefined))
  })

  it('namespaceSelector reads the namespace labels, a Namespace its own, and passes other cluster-scoped objects', () => {
    const sel = {matchExpressions: [{key: 'env', operator: 'In', values: ['prod']}]}
    assert.ok(namespaceSelectorMatches(sel, facts(), {}, {env: 'prod'}))
    assert.ok(!namespaceSelectorMatches(sel, facts(), {}, {env: 'dev'}))
    assert.ok(namespaceSelectorMatches(sel, facts({resource: 'nodes', namespace: ''}), {}, undefined))
    const nsFacts = facts({resource: 'namespaces', namespace: ''})
    assert.ok(namespaceSelectorMatches(sel, nsFacts, {object: {metadata: {labels: {env: 'prod'}}}}, undefined))
    assert.ok(!namespaceSelectorMatches(sel, nsFacts, {object: {metadata: {labels: {}}}}, undefined))
  })

  it('reads request facts off the attributes (cluster-scoped kinds have no namespace)', () => {
    assert.deepEqual(factsOf(attrs()), {operation: 'CREATE', group: '', version: 'v1', resource: 'configmaps', subresource: '', namespace: 'team', name: 'cm'})
    assert.equal(factsOf(attrs({def: def('', 'nodes'), namespace: 'x'})).namespace, '')
  })
})

describe('admission webhook review and refusal', () => {
  it('sends an AdmissionReview v1 with kind, resource, user, objects and options', () => {
    const old: KubeObject = {metadata: {name: 'cm', namespace: 'team'}}
    const r = buildReview(attrs({operation: 'UPDATE', oldObject: old, dryRun: true})).request
    assert.match(r.uid, /^[0-9a-f-]{36}$/)
    assert.deepEqual(r.kind, {group: '', version: 'v1', kind: 'ConfigMap'})
    assert.deepEqual(r.resource, {group: '', version: 'v1', resource: 'configmaps'})
    assert.equal(r.namespace, 'team')
    assert.equal(r.operation, 'UPDATE')
    assert.deepEqual(r.userInfo, {username: 'alice', groups: ['devs', 'system:authenticated']})
    assert.deepEqual((r.oldObject as KubeObject).kind, 'ConfigMap')
    assert.equal(r.dryRun, true)
    assert.deepEqual(r.options, {kind: 'UpdateOptions', apiVersion: 'meta.k8s.io/v1', dryRun: ['All']})
    const del = buildReview(attrs({operation: 'DELETE', object: undefined, oldObject: old})).request
    assert.equal(del.object, null)
    const status = buildReview(attrs({def: def('', 'pods'), operation: 'UPDATE', subresource: 'status', oldObject: old})).request
    assert.equal(status.subResource, 'status')
    assert.deepEqual(status.kind, {group: '', version: 'v1', kind: 'Pod'})
  })

  it('words a denial as ToStatusErr does: 403 unless the webhook gives a code, message or reason or none', () => {
    const e = deniedError(attrs(), 'deny.example.com', {message: 'no thanks'})
    assert.equal(e.code, 403)
    assert.equal(e.reason, 'Forbidden')
    assert.equal(e.message, 'configmaps "cm" is forbidden: admission webhook "deny.example.com" denied the request: no thanks')
    const coded = deniedError(attrs({def: def('apps', 'deployments'), name: ''}), 'd.e.f', {code: 400, reason: 'BadRequest'})
    assert.equal(coded.code, 400)
    assert.equal(coded.message, 'deployments.apps "Unknown" is forbidden: admission webhook "d.e.f" denied the request: BadRequest')
    assert.equal(deniedError(attrs(), 'a.b.c', undefined).message, 'configmaps "cm" is forbidden: admission webhook "a.b.c" denied the request without explanation')
    assert.equal(deniedError(attrs(), 'a.b.c', {code: 500, message: 'boom'}).message, 'Internal error occurred: admission webhook "a.b.c" denied the request: boom')
  })

  it('calls a service at name.namespace.svc:port/path with the timeout parameter', () => {
    assert.equal(webhookUrl({name: 'x', timeoutSeconds: 5, clientConfig: {service: {name: 'hook', namespace: 'sys', port: 8443, path: '/validate'}}}), 'https://hook.sys.svc:8443/validate?timeout=5s')
    assert.equal(webhookUrl({name: 'x', clientConfig: {url: 'https://127.0.0.1:9443/m'}}), 'https://127.0.0.1:9443/m?timeout=10s')
  })
})

describe('admissionregistration kinds', () => {
  const vwc = def('admissionregistration.k8s.io', 'validatingwebhookconfigurations')
  const mwc = def('admissionregistration.k8s.io', 'mutatingwebhookconfigurations')

  it('defaults webhooks as v1 does: Fail, Equivalent, 10s, empty selectors, scope *, port 443, Never for mutating', () => {
    const o: KubeObject = {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: {name: 'm'},
      webhooks: [{name: 'a.b.c', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: {service: {name: 's', namespace: 'n'}}, rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}]}]}
    applyDefaults(mwc, o)
    const w = (o.webhooks as Array<Record<string, unknown>>)[0]
    assert.equal(w.failurePolicy, 'Fail')
    assert.equal(w.matchPolicy, 'Equivalent')
    assert.equal(w.timeoutSeconds, 10)
    assert.equal(w.reinvocationPolicy, 'Never')
    assert.deepEqual(w.namespaceSelector, {})
    assert.deepEqual(w.objectSelector, {})
    assert.equal((w.rules as Array<{scope: string}>)[0].scope, '*')
    assert.equal((w.clientConfig as {service: {port: number}}).service.port, 443)
    assert.deepEqual(validateObject(mwc, o), [])
  })

  it('requires sideEffects and admissionReviewVersions, one of url or service, https, sane timeouts and names', () => {
    const o: KubeObject = {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: {name: 'v'},
      webhooks: [{name: 'short', clientConfig: {url: 'http://x/'}, timeoutSeconds: 31, failurePolicy: 'Maybe'}, {name: 'short', clientConfig: {}}]}
    applyDefaults(vwc, o)
    const msgs = validateObject(vwc, o).map((c) => `${c.field}: ${c.message}`)
    for (const m of [
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].failurePolicy: Unsupported value: "Maybe": supported values: "Fail", "Ignore"',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
      'webhooks[0].clientConfig.url: Invalid value: "http://x/": \'https\' is the only allowed URL scheme',
      'webhooks[1].clientConfig: Required value: exactly one of url or service is required',
      'webhooks[1].name: Duplicate value: "short"',
    ]) assert.ok(msgs.includes(m), `${m}\nnot in\n${msgs.join('\n')}`)
  })

  it('validates policies and bindings: rules required, expressions compile, actions known and not Deny with Warn', () => {
    const vap = def('admissionregistration.k8s.io', 'validatingadmissionpolicies')
    const vapb = def('admissionregistration.k8s.io', 'validatingadmissionpolicybindings')
    const p: KubeObject = {metadata: {name: 'p'}, spec: {matchConstraints: {}, validations: [{expression: 'object.x >'}]}}
    applyDefaults(vap, p)
    assert.equal((p.spec as {failurePolicy: string}).failurePolicy, 'Fail')
    const msgs = validateObject(vap, p).map((c) => `${c.field}: ${c.message}`)
    assert.ok(msgs.includes('spec.matchConstraints.resourceRules: Required value'), msgs.join('\n'))
    assert.ok(msgs.some((m) => m.startsWith('spec.validations[0].expression: Invalid value: "object.x >": compilation failed')), msgs.join('\n'))
    const b: KubeObject = {metadata: {name: 'b'}, spec: {policyName: 'p', validationActions: ['Deny', 'Warn', 'Shout']}}
    const bm = validateObject(vapb, b).map((c) => `${c.field}: ${c.message}`)
    assert.ok(bm.includes('spec.validationActions[2]: Unsupported value: "Shout": supported values: "Audit", "Deny", "Warn"'), bm.join('\n'))
    assert.ok(bm.some((m) => m.includes('must not contain both "Deny" and "Warn"')), bm.join('\n'))
  })
})

describe('ValidatingAdmissionPolicy evaluation', () => {
  const vars = {object: {metadata: {name: 'web', labels: {tier: 'db'}}, spec: {replicas: 5n}}, oldObject: null, request: {operation: 'CREATE'}, params: {max: 3n}}

  it('fails validations that are false with their message, messageExpression, or the expression itself', () => {
    const out = evaluatePolicy({validations: [
      {expression: 'object.spec.replicas <= params.max', messageExpression: "'replicas ' + string(object.spec.replicas) + ' > ' + string(params.max)"},
      {expression: "object.metadata.name.startsWith('w')"},
      {expression: "object.metadata.labels.tier != 'db'", message: 'no databases', reason: 'Forbidden'},
      {expression: 'object.spec.replicas > 1'},
      {expression: '  has(object.spec.paused)  '},
    ]}, vars)
    assert.deepEqual(out, [
      {message: 'replicas 5 > 3', reason: undefined},
      {message: 'no databases', reason: 'Forbidden'},
      {message: 'failed expression: has(object.spec.paused)', reason: undefined},
    ])
  })

  it('reports evaluation errors as errors, and variables are available in order', () => {
    const out = evaluatePolicy({variables: [{name: 'n', expression: 'object.spec.replicas * 2'}, {name: 'm', expression: 'variables.n + 1'}],
      validations: [{expression: 'variables.m == 11'}, {expression: 'object.spec.missing == 1'}]}, vars)
    assert.equal(out.length, 1)
    assert.equal(out[0].error, true)
    assert.match(out[0].message, /^expression 'object.spec.missing == 1' resulted in error: /)
  })
})

describe('admissionregistration protobuf', () => {
  const varint = (n: number): Buffer => {
    const out: number[] = []
    do {
      let b = n & 0x7f
      n >>>= 7
      if (n > 0) b |= 0x80
      out.push(b)
    } while (n > 0)
    return Buffer.from(out)
  }
  const ld = (no: number, body: Buffer | string) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body
    return Buffer.concat([varint((no << 3) | 2), varint(b.length), b])
  }
  const vi = (no: number, n: number) => Buffer.concat([varint(no << 3), varint(n)])

  it('decodes a ValidatingWebhookConfiguration by generated.proto field numbers (rule inlined, caBundle as base64)', () => {
    const rule = Buffer.concat([ld(1, ''), ld(2, 'v1'), ld(3, 'pods'), ld(4, 'Namespaced')])
    const webhook = Buffer.concat([
      ld(1, 'v.skiff.test'),
      ld(2, Buffer.concat([ld(1, Buffer.concat([ld(1, 'sys'), ld(2, 'hook'), ld(3, '/v'), vi(4, 8443)])), ld(2, Buffer.from('PEM'))])),
      ld(3, Buffer.concat([ld(1, 'CREATE'), ld(2, rule)])),
      ld(4, 'Ignore'), ld(6, 'None'), vi(7, 5), ld(8, 'v1'), ld(9, 'Exact'),
      ld(10, ld(1, Buffer.concat([ld(1, 'team'), ld(2, 'a')]))),
    ])
    const obj = decodeMessage(Buffer.concat([ld(1, ld(1, 'vwc')), ld(2, webhook)]), 'ValidatingWebhookConfiguration')
    assert.deepEqual(obj, {metadata: {name: 'vwc'}, webhooks: [{
      name: 'v.skiff.test', clientConfig: {service: {namespace: 'sys', name: 'hook', path: '/v', port: 8443}, caBundle: Buffer.from('PEM').toString('base64')},
      rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced'}],
      failurePolicy: 'Ignore', sideEffects: 'None', timeoutSeconds: 5, admissionReviewVersions: ['v1'], matchPolicy: 'Exact', objectSelector: {matchLabels: {team: 'a'}},
    }]})
  })
})
