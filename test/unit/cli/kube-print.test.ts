// Printers, JSONPath, type resolution and discovery parsing of the object commands, against kubectl's observed output.
import assert from 'node:assert/strict'
import {fromAggregated, fromLegacy} from '../../../src/cli/kube/discovery.js'
import {jsonpath} from '../../../src/cli/kube/jsonpath.js'
import {alignColumns, formatObjects, humanDuration, tableCells, toJson, type Table} from '../../../src/cli/kube/printers.js'
import {matchType, parseTargets, resourcePath} from '../../../src/cli/kube/resolve.js'
import {parseWaitFor, rolloutStatus, waitMet} from '../../../src/cli/kube/workloads.js'

const table: Table = {
  columnDefinitions: [{name: 'Name'}, {name: 'Ready'}, {name: 'Status'}, {name: 'Age'}, {name: 'IP', priority: 1}],
  rows: [
    {cells: ['web-1', '1/1', 'Running', '5m', '10.244.1.2'], object: {metadata: {name: 'web-1', namespace: 'demo'}}},
    {cells: ['db', '0/1', 'Pending', '3m2s', null], object: {metadata: {name: 'db', namespace: 'data'}}},
  ],
}

describe('table printing', () => {
  it('pads every column but the last to its widest cell plus three, as kubectl', () => {
    assert.deepEqual(alignColumns(tableCells(table)), ['NAME    READY   STATUS    AGE', 'web-1   1/1     Running   5m', 'db      0/1     Pending   3m2s'])
  })

  it('aligns rollout history with kubectl\'s other tabwriter: padding two, no minimum width', () => {
    assert.deepEqual(alignColumns([['REVISION', 'CHANGE-CAUSE'], ['1', '<none>']], {padding: 2, minWidth: 0}), ['REVISION  CHANGE-CAUSE', '1         <none>'])
  })

  it('shows priority columns with -o wide, a NAMESPACE column with -A and type prefixes for several types', () => {
    const lines = alignColumns(tableCells(table, {wide: true, withNamespace: true, typePrefix: 'pod'}))
    assert.equal(lines[0], 'NAMESPACE   NAME        READY   STATUS    AGE    IP')
    assert.equal(lines[2], 'data        pod/db      0/1     Pending   3m2s   <none>')
  })

  it('ages read as kubectl prints them', () => {
    assert.deepEqual([5_000, 119_000, 182_000, 4 * 3600_000, 2 * 86400_000 + 3600_000, 30 * 86400_000].map(humanDuration), ['5s', '119s', '3m2s', '4h', '2d1h', '30d'])
  })
})

describe('object output', () => {
  const pod = {metadata: {name: 'p', managedFields: [{manager: 'x'}]}, kind: 'Pod', apiVersion: 'v1'}
  it('-o json sorts keys, indents by four and hides managedFields; several objects become a List', () => {
    assert.equal(formatObjects('json', [pod], () => '', true), '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {\n        "name": "p"\n    }\n}')
    const list = JSON.parse(formatObjects('json', [pod, pod], () => '', false))
    assert.deepEqual(Object.keys(list), ['apiVersion', 'items', 'kind', 'metadata'])
    assert.deepEqual(list.metadata, {resourceVersion: ''})
  })

  it('-o yaml keeps list items flush with their key', () => {
    assert.equal(formatObjects('yaml', [{kind: 'X', spec: {ports: [{port: 80}]}}], () => '', true), 'kind: X\nspec:\n  ports:\n  - port: 80')
  })

  it('toJson of nested arrays keeps order', () => {
    assert.equal(toJson({b: [3, 1], a: 1}), '{\n    "a": 1,\n    "b": [\n        3,\n        1\n    ]\n}')
  })
})

describe('jsonpath', () => {
  const data = {items: [{metadata: {name: 'a'}, status: {conditions: [{type: 'Ready', status: 'True'}]}}, {metadata: {name: 'b'}, status: {conditions: [{type: 'Ready', status: 'False'}]}}]}
  it('wildcards, indexes, filters and range', () => {
    assert.equal(jsonpath('{.items[*].metadata.name}', data), 'a b')
    assert.equal(jsonpath('{.items[-1].metadata.name}', data), 'b')
    assert.equal(jsonpath('{.items[?(@.metadata.name=="b")].status.conditions[0].status}', data), 'False')
    assert.equal(jsonpath('{range .items[*]}{.metadata.name}{"\\n"}{end}', data), 'a\nb\n')
    assert.equal(jsonpath('.items[0].metadata', data), '{"name":"a"}')
  })
})

describe('type resolution', () => {
  const resources = fromAggregated({kind: 'APIGroupDiscoveryList', items: [
    {metadata: {name: ''}, versions: [{version: 'v1', resources: [
      {resource: 'pods', responseKind: {kind: 'Pod'}, scope: 'Namespaced', singularResource: 'pod', shortNames: ['po'], categories: ['all']},
      {resource: 'events', responseKind: {kind: 'Event'}, scope: 'Namespaced', singularResource: 'event', shortNames: ['ev']},
      {resource: 'namespaces', responseKind: {kind: 'Namespace'}, scope: 'Cluster', singularResource: 'namespace', shortNames: ['ns']},
    ]}]},
    {metadata: {name: 'apps'}, versions: [{version: 'v1', resources: [{resource: 'deployments', responseKind: {kind: 'Deployment'}, scope: 'Namespaced', singularResource: 'deployment', shortNames: ['deploy'], categories: ['all'], subresources: [{subresource: 'scale'}]}]}]},
    {metadata: {name: 'events.k8s.io'}, versions: [{version: 'v1', resources: [{resource: 'events', responseKind: {kind: 'Event'}, scope: 'Namespaced', singularResource: 'event', shortNames: ['ev']}]}]},
  ]})

  it('knows plural, singular, short name and kind; the core group wins a tie; groups qualify', () => {
    for (const w of ['deploy', 'deployment', 'Deployments', 'Deployment', 'deployments.apps', 'deploy.v1.apps']) assert.equal(matchType(w, resources)[0]?.resource, 'deployments', w)
    assert.equal(matchType('ev', resources)[0].group, '')
    assert.equal(matchType('events.events.k8s.io', resources)[0].group, 'events.k8s.io')
    assert.deepEqual(matchType('all', resources).map((r) => r.resource), ['pods', 'deployments'])
    assert.deepEqual(matchType('nothing', resources), [])
    assert.deepEqual(resources.find((r) => r.resource === 'deployments')?.subresources, ['scale'])
  })

  it('legacy discovery folds subresources into their resource', () => {
    const r = fromLegacy('apps', 'v1', [{name: 'deployments', namespaced: true, kind: 'Deployment'}, {name: 'deployments/scale', namespaced: true, kind: 'Scale'}])
    assert.equal(r.length, 1)
    assert.deepEqual(r[0].subresources, ['scale'])
  })

  it('reads TYPE NAME..., TYPE/NAME... and TYPE1,TYPE2', () => {
    assert.deepEqual(parseTargets(['po', 'a', 'b']), [{type: 'po', names: ['a', 'b']}])
    assert.deepEqual(parseTargets(['deploy/web', 'svc/web', 'deploy/db']), [{type: 'deploy', names: ['web', 'db']}, {type: 'svc', names: ['web']}])
    assert.deepEqual(parseTargets(['deploy,svc']), [{type: 'deploy', names: []}, {type: 'svc', names: []}])
    assert.throws(() => parseTargets(['deploy/']))
  })

  it('builds paths for core, grouped, cluster-scoped and subresources', () => {
    const deploy = resources.find((r) => r.resource === 'deployments')!
    assert.equal(resourcePath(deploy, 'demo', 'web', 'scale'), '/apis/apps/v1/namespaces/demo/deployments/web/scale')
    assert.equal(resourcePath(resources.find((r) => r.resource === 'namespaces')!, 'demo', 'x'), '/api/v1/namespaces/x')
  })
})

describe('rollout and wait decisions', () => {
  const deploy = (status: object, generation = 2) => ({kind: 'Deployment', metadata: {name: 'web', generation}, spec: {replicas: 3}, status: {observedGeneration: 2, ...status}})
  it('a deployment is rolled out once every replica is updated and available', () => {
    assert.equal(rolloutStatus(deploy({}, 3)).message, 'Waiting for deployment spec update to be observed...')
    assert.match(rolloutStatus(deploy({updatedReplicas: 1})).message, /1 out of 3 new replicas have been updated/)
    assert.match(rolloutStatus(deploy({updatedReplicas: 3, replicas: 4})).message, /1 old replicas are pending termination/)
    assert.deepEqual(rolloutStatus(deploy({updatedReplicas: 3, replicas: 3, availableReplicas: 3})), {done: true, message: 'deployment "web" successfully rolled out'})
    assert.throws(() => rolloutStatus(deploy({conditions: [{type: 'Progressing', reason: 'ProgressDeadlineExceeded'}]})), /exceeded its progress deadline/)
  })

  it('conditions match case-insensitively, and not while the generation is unobserved', () => {
    const w = parseWaitFor('condition=available')
    assert.deepEqual(w, {kind: 'condition', type: 'available', status: 'True'})
    const ok = deploy({conditions: [{type: 'Available', status: 'True'}]})
    assert.equal(waitMet(ok, w as any), true)
    assert.equal(waitMet({...ok, metadata: {name: 'web', generation: 3}}, w as any), false)
    const jp = parseWaitFor('jsonpath={.status.phase}=Running')
    assert.deepEqual(jp, {kind: 'jsonpath', path: '{.status.phase}', value: 'Running'})
    assert.equal(waitMet({status: {phase: 'Running'}}, jp as any), true)
    assert.throws(() => parseWaitFor('ready'))
  })
})
