// Validation causes and 422 messages match the real kube-apiserver's wording for names, required fields and immutability.
import assert from 'node:assert/strict'
import {cronScheduleError} from '../../../src/api/resources/batch/cron.js'
import {defaultJobSelector} from '../../../src/api/resources/batch/job.js'
import {applyDefaults, validateObject, type KindRef} from '../../../src/api/resources/index.js'
import type {KubeObject} from '../../../src/api/types.js'
import {formatInvalidMessage} from '../../../src/api/validation/errors.js'
import {builtin} from './builtin.js'

const R = {
  cm: builtin('', 'configmaps'),
  ns: builtin('', 'namespaces'),
  pod: builtin('', 'pods'),
  svc: builtin('', 'services'),
  deploy: builtin('apps', 'deployments'),
  job: builtin('batch', 'jobs'),
  cj: builtin('batch', 'cronjobs'),
  secret: builtin('', 'secrets'),
  sts: builtin('apps', 'statefulsets'),
  // RBAC kinds are not served yet; their definitions will name objects by path segment, as the real server does.
  role: {group: 'rbac.authorization.k8s.io', resource: 'clusterroles', kind: 'ClusterRole', namespaced: false, nameRule: 'path' as const},
  widget: {group: 'example.com', resource: 'widgets', kind: 'Widget', namespaced: true},
}

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

function defaulted(r: KindRef, obj: KubeObject): KubeObject {
  applyDefaults(r, obj)
  return obj
}

function deployment(labels: Record<string, string> = {app: 'web'}): KubeObject {
  return defaulted(R.deploy, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'web', namespace: 'default'},
    spec: {selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels}, spec: {containers: [{name: 'nginx', image: 'nginx'}]}}},
  })
}

describe('validation', () => {
  it('invalid subdomain name, with the exact server message', () => {
    const causes = validateObject(R.cm, {metadata: {name: 'Foo_Bar', namespace: 'default'}})
    assert.deepEqual(causes, [{reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "Foo_Bar": ${SUBDOMAIN_MSG}`}])
    assert.equal(formatInvalidMessage('ConfigMap', 'Foo_Bar', causes), `ConfigMap "Foo_Bar" is invalid: metadata.name: Invalid value: "Foo_Bar": ${SUBDOMAIN_MSG}`)
  })

  it('missing name', () => {
    assert.deepEqual(validateObject(R.cm, {metadata: {namespace: 'default'}}), [
      {reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required'},
    ])
  })

  it('namespaces are DNS labels; dots are rejected; namespace field forbidden', () => {
    const causes = validateObject(R.ns, {metadata: {name: 'a.b', namespace: 'x'}})
    assert.deepEqual(causes, [
      {reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "a.b": ${LABEL_MSG}`},
      {reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type'},
    ])
  })

  it('services are DNS-1035 labels; over-long namespaces are rejected', () => {
    const causes = validateObject(R.svc, defaulted(R.svc, {metadata: {name: '1web', namespace: 'default'}, spec: {ports: [{port: 80}]}}))
    assert.equal(causes.length, 1)
    assert.match(causes[0].message, /^Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character/)
    const long = 'a'.repeat(64)
    const c2 = validateObject(R.cm, {metadata: {name: 'ok', namespace: long}})
    assert.equal(c2[0].message, `Invalid value: "${long}": must be no more than 63 characters`)
  })

  it('generateName prefixes may end with a dash', () => {
    assert.deepEqual(validateObject(R.cm, {metadata: {generateName: 'web-', name: 'web-x1z2', namespace: 'default'}}), [])
  })

  it('labels and annotations', () => {
    const causes = validateObject(R.cm, {metadata: {name: 'x', namespace: 'd', labels: {'bad key!': 'v', ok: 'bad value!'}, annotations: {'a/b/c': 'x'}}})
    assert.deepEqual(causes.map((c) => c.field), ['metadata.labels', 'metadata.labels', 'metadata.annotations'])
    assert.equal(
      causes[0].message,
      `Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    )
    assert.match(causes[1].message, /^Invalid value: "bad value!": a valid label must be an empty string/)
    assert.match(causes[2].message, /^Invalid value: "a\/b\/c": a qualified name must consist of/)
  })

  it('RBAC names are path segments (colons allowed), custom resources too', () => {
    assert.deepEqual(validateObject(R.role, {metadata: {name: 'system:controller:x'}}), [])
    assert.deepEqual(validateObject(R.widget, {metadata: {name: 'Weird_Name', namespace: 'd'}}), [])
    assert.equal(validateObject(R.widget, {metadata: {name: 'a/b', namespace: 'd'}})[0].message, `Invalid value: "a/b": may not contain '/'`)
  })

  it('pods: containers required, names, images, duplicates, ports, restartPolicy', () => {
    const empty = validateObject(R.pod, defaulted(R.pod, {metadata: {name: 'p', namespace: 'd'}, spec: {containers: []}}))
    assert.deepEqual(empty, [{reason: 'FieldValueRequired', field: 'spec.containers', message: 'Required value'}])
    const pod = defaulted(R.pod, {
      metadata: {name: 'p', namespace: 'd'},
      spec: {
        restartPolicy: 'Sometimes',
        containers: [
          {name: 'app', image: ''},
          {name: 'app', image: 'x', ports: [{containerPort: 70000}, {containerPort: 80, protocol: 'HTTP'}]},
          {image: 'x'},
        ],
      },
    })
    const causes = validateObject(R.pod, pod)
    assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`), [
      'spec.containers[0].image: Required value',
      'spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[1].ports[1].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[1].name: Duplicate value: "app"',
      'spec.containers[2].name: Required value',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ])
    assert.equal(
      formatInvalidMessage('Pod', 'p', causes.slice(0, 2)),
      'Pod "p" is invalid: [spec.containers[0].image: Required value, spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive]',
    )
  })

  it('deployment selector must match template labels', () => {
    const causes = validateObject(R.deploy, deployment({app: 'other'}))
    assert.deepEqual(causes, [
      {reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`'},
    ])
    assert.equal(
      formatInvalidMessage('Deployment', 'web', causes, 'apps'),
      'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    )
    assert.deepEqual(validateObject(R.deploy, deployment()), [])
  })

  it('deployment: selector required, replicas >= 0, image required in template', () => {
    const d = deployment()
    delete d.spec.selector
    d.spec.replicas = -1
    d.spec.template.spec.containers[0].image = ''
    assert.deepEqual(validateObject(R.deploy, d).map((c) => `${c.field}: ${c.message}`), [
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      'spec.selector: Required value',
      'spec.template.spec.containers[0].image: Required value',
    ])
  })

  it('deployment selector is immutable', () => {
    const old = deployment()
    const next = deployment({app: 'web', v: '2'})
    next.spec.selector = {matchLabels: {app: 'web', v: '2'}}
    assert.deepEqual(validateObject(R.deploy, next, old), [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.selector',
        message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      },
    ])
  })

  it('metadata.name and namespace are immutable', () => {
    const old: KubeObject = {metadata: {name: 'a', namespace: 'd', uid: 'u1'}}
    assert.deepEqual(validateObject(R.cm, {metadata: {name: 'a', namespace: 'd', uid: 'u2'}}, old).map((c) => c.message), ['Invalid value: "u2": field is immutable'])
    assert.deepEqual(validateObject(R.cm, {metadata: {name: 'a', namespace: 'd'}}, old), [])
  })

  it('services: ports, names when several, protocol, type, nodePort on ClusterIP, clusterIP immutable', () => {
    const svc = defaulted(R.svc, {metadata: {name: 'web', namespace: 'd'}, spec: {type: 'Bogus', ports: [{port: 0}, {port: 80, name: 'http', nodePort: 30000, protocol: 'XTP'}]}})
    assert.deepEqual(validateObject(R.svc, svc).map((c) => `${c.field}: ${c.message}`), [
      'spec.ports[0].name: Required value',
      'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.ports[1].protocol: Unsupported value: "XTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.type: Unsupported value: "Bogus": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ])
    const noPorts = defaulted(R.svc, {metadata: {name: 'web', namespace: 'd'}, spec: {}})
    assert.deepEqual(validateObject(R.svc, noPorts).map((c) => c.field), ['spec.ports'])
    const old = defaulted(R.svc, {metadata: {name: 'web', namespace: 'd'}, spec: {clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{port: 80}]}})
    const next = structuredClone(old)
    next.spec.clusterIP = '10.96.0.11'
    next.spec.clusterIPs = ['10.96.0.11']
    assert.deepEqual(validateObject(R.svc, next, old).map((c) => `${c.field}: ${c.message}`), ['spec.clusterIPs[0]: Invalid value: "10.96.0.11": may not change once set'])
    const cip = defaulted(R.svc, {metadata: {name: 'web', namespace: 'd'}, spec: {ports: [{port: 80, nodePort: 30080}]}})
    assert.deepEqual(validateObject(R.svc, cip).map((c) => c.message), ["Forbidden: may not be used when `type` is 'ClusterIP'"])
  })

  it('configmap keys and size, secret types', () => {
    const causes = validateObject(R.cm, {metadata: {name: 'c', namespace: 'd'}, data: {'bad/key': 'x', '..': 'y'}})
    assert.deepEqual(causes.map((c) => `${c.field}: ${c.message}`), [
      "data[bad/key]: Invalid value: \"bad/key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      "data[..]: Invalid value: \"..\": must not be '..'",
    ])
    const big = validateObject(R.cm, {metadata: {name: 'c', namespace: 'd'}, data: {a: 'x'.repeat(1024 * 1024 + 1)}})
    assert.deepEqual(big, [{reason: 'FieldValueTooLong', field: '', message: 'Too long: may not be more than 1048576 bytes'}])
    const tls = validateObject(R.secret, defaulted(R.secret, {metadata: {name: 's', namespace: 'd'}, type: 'kubernetes.io/tls', data: {'tls.crt': 'eA=='}}))
    assert.deepEqual(tls.map((c) => `${c.field}: ${c.message}`), ['data[tls.key]: Required value'])
    const old = {metadata: {name: 's', namespace: 'd'}, type: 'Opaque', immutable: true, data: {a: 'eA=='}}
    assert.deepEqual(
      validateObject(R.secret, {...old, data: {a: 'eQ=='}}, old).map((c) => `${c.field}: ${c.message}`),
      ['data: Forbidden: field is immutable when `immutable` is set'],
    )
  })

  it('jobs: restartPolicy must be OnFailure or Never, generated selector matches, template immutable', () => {
    const job = defaulted(R.job, {metadata: {name: 'pi', namespace: 'd', uid: 'uid-1'}, spec: {template: {spec: {containers: [{name: 'pi', image: 'perl'}]}}}})
    defaultJobSelector(job)
    assert.deepEqual(validateObject(R.job, job).map((c) => `${c.field}: ${c.message}`), [
      'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    ])
    job.spec.template.spec.restartPolicy = 'Never'
    assert.deepEqual(validateObject(R.job, job), [])
    const next = structuredClone(job)
    next.spec.template.spec.containers[0].image = 'perl:5'
    const causes = validateObject(R.job, next, job)
    assert.equal(causes.length, 1)
    assert.equal(causes[0].field, 'spec.template')
    assert.match(causes[0].message, /: field is immutable$/)
    const noSel = defaulted(R.job, {metadata: {name: 'm', namespace: 'd'}, spec: {manualSelector: true, template: {spec: {restartPolicy: 'Never', containers: [{name: 'c', image: 'x'}]}}}})
    assert.deepEqual(validateObject(R.job, noSel).map((c) => c.field), ['spec.selector'])
  })

  it('cronjobs: schedule required and parsed like robfig/cron', () => {
    const cj = (schedule: string): KubeObject =>
      defaulted(R.cj, {metadata: {name: 'c', namespace: 'd'}, spec: {schedule, jobTemplate: {spec: {template: {spec: {restartPolicy: 'OnFailure', containers: [{name: 'c', image: 'x'}]}}}}}})
    assert.deepEqual(validateObject(R.cj, cj('')).map((c) => `${c.field}: ${c.message}`), ['spec.schedule: Required value'])
    assert.deepEqual(validateObject(R.cj, cj('*/1 * * *')).map((c) => `${c.field}: ${c.message}`), ['spec.schedule: Invalid value: "*/1 * * *": expected exactly 5 fields, found 4: [*/1 * * *]'])
    assert.deepEqual(validateObject(R.cj, cj('*/5 * * * *')), [])
    assert.equal(cronScheduleError('@hourly'), undefined)
    assert.equal(cronScheduleError('0 25 * * *'), 'end of range (25) above maximum (23): 25')
    assert.equal(cronScheduleError('0 0 * JAN-mar MON'), undefined)
  })

  it('statefulset spec fields other than the mutable ones are forbidden to change', () => {
    const sts = defaulted(R.sts, {
      metadata: {name: 'db', namespace: 'd'},
      spec: {serviceName: 'db', selector: {matchLabels: {app: 'db'}}, template: {metadata: {labels: {app: 'db'}}, spec: {containers: [{name: 'c', image: 'x'}]}}},
    })
    assert.deepEqual(validateObject(R.sts, sts), [])
    const next = structuredClone(sts)
    next.spec.replicas = 3
    assert.deepEqual(validateObject(R.sts, next, sts), [])
    next.spec.serviceName = 'other'
    assert.match(validateObject(R.sts, next, sts)[0].message, /^Forbidden: updates to statefulset spec for fields other than 'replicas'/)
  })

  it('pod updates may only change images and a few other fields', () => {
    const pod = defaulted(R.pod, {metadata: {name: 'p', namespace: 'd'}, spec: {containers: [{name: 'c', image: 'nginx:1'}]}})
    const imageOnly = structuredClone(pod)
    imageOnly.spec.containers[0].image = 'nginx:2'
    imageOnly.spec.tolerations.push({key: 'k', operator: 'Exists'})
    imageOnly.metadata.labels = {new: 'label'}
    assert.deepEqual(validateObject(R.pod, imageOnly, pod), [])
    const other = structuredClone(pod)
    other.spec.dnsPolicy = 'Default'
    const causes = validateObject(R.pod, other, pod)
    assert.equal(causes.length, 1)
    assert.equal(causes[0].field, 'spec')
    assert.match(causes[0].message, /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/)
    assert.match(causes[0].message, /dnsPolicy/)
  })

  it('an old object stored without defaults compares as defaulted (status writes keep working)', () => {
    const raw: KubeObject = {metadata: {name: 'p', namespace: 'd'}, spec: {containers: [{name: 'c', image: 'nginx:1'}]}}
    const next = defaulted(R.pod, structuredClone(raw))
    next.status = {phase: 'Running'}
    assert.deepEqual(validateObject(R.pod, next, raw), [])
  })
})
