// Table cells for realistic objects match what the real kube-apiserver returns for kubectl get.
import assert from 'node:assert/strict'
import {tableColumns, tableRow, tableRowConditions} from '../../../src/api/resources/index.js'
import {humanDuration} from '../../../src/api/resources/shared/format.js'
import {builtin} from './builtin.js'
import type {KubeObject} from '../../../src/api/types.js'

const now = new Date('2026-01-10T12:00:00Z')
const ago = (s: number): string => new Date(now.getTime() - s * 1000).toISOString()
const pods = builtin('', 'pods')

function pod(name: string, spec: any, status: any, meta: any = {}): KubeObject {
  return {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default', creationTimestamp: ago(300), ...meta}, spec, status}
}

describe('tables', () => {
  describe('humanDuration', () => {
    const cases: [number, string][] = [
      [0, '0s'], [-1500, '0s'], [-5000, '<invalid>'], [45e3, '45s'], [119e3, '119s'], [120e3, '2m'], [330e3, '5m30s'],
      [600e3, '10m'], [179 * 60e3, '179m'], [3 * 3600e3 + 12 * 60e3, '3h12m'], [8 * 3600e3, '8h'], [47 * 3600e3, '47h'],
      [(2 * 24 + 5) * 3600e3, '2d5h'], [3 * 24 * 3600e3, '3d'], [10 * 24 * 3600e3, '10d'], [400 * 24 * 3600e3, '400d'],
      [3 * 365 * 24 * 3600e3, '3y'], [(3 * 365 + 20) * 24 * 3600e3, '3y20d'], [9 * 365 * 24 * 3600e3, '9y'],
    ]
    for (const [ms, want] of cases) it(`${ms}ms -> ${want}`, () => assert.equal(humanDuration(ms), want))
  })

  describe('pods', () => {
    it('has the 1.32 columns with wide ones at priority 1', () => {
      const cols = tableColumns(pods)
      assert.deepEqual(cols.map((c) => [c.name, c.priority]), [
        ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
      ])
      assert.equal(cols[0].format, 'name')
    })

    it('running pod', () => {
      const p = pod('web', {containers: [{name: 'nginx', image: 'nginx'}], nodeName: 'kind-worker'}, {
        phase: 'Running',
        podIP: '10.244.1.5',
        podIPs: [{ip: '10.244.1.5'}],
        conditions: [{type: 'Ready', status: 'True'}],
        containerStatuses: [{name: 'nginx', ready: true, restartCount: 0, state: {running: {startedAt: ago(290)}}}],
      })
      assert.deepEqual(tableRow(pods, p, now), ['web', '1/1', 'Running', '0', '5m', '10.244.1.5', 'kind-worker', '<none>', '<none>'])
    })

    it('CrashLoopBackOff with restarts and "(x ago)"', () => {
      const p = pod('crash', {containers: [{name: 'app', image: 'busybox'}], nodeName: 'n1'}, {
        phase: 'Running',
        podIP: '10.244.1.6',
        containerStatuses: [{
          name: 'app', ready: false, restartCount: 5,
          state: {waiting: {reason: 'CrashLoopBackOff', message: 'back-off 2m40s'}},
          lastState: {terminated: {exitCode: 1, reason: 'Error', finishedAt: ago(75)}},
        }],
      })
      assert.deepEqual(tableRow(pods, p, now).slice(0, 5), ['crash', '0/1', 'CrashLoopBackOff', '5 (75s ago)', '5m'])
    })

    it('completed pod', () => {
      const p = pod('job-x', {containers: [{name: 'c', image: 'busybox'}], restartPolicy: 'Never'}, {
        phase: 'Succeeded',
        containerStatuses: [{name: 'c', ready: false, restartCount: 0, state: {terminated: {exitCode: 0, reason: 'Completed'}}}],
      })
      const row = tableRow(pods, p, now)
      assert.deepEqual(row.slice(0, 4), ['job-x', '0/1', 'Completed', '0'])
      assert.equal(row[5], '<none>')
      assert.deepEqual(tableRowConditions(pods, p), [{type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.'}])
    })

    it('errored pod without a reason shows the exit code', () => {
      const p = pod('bad', {containers: [{name: 'c', image: 'x'}]}, {
        phase: 'Failed',
        containerStatuses: [{name: 'c', restartCount: 0, state: {terminated: {exitCode: 3}}}],
      })
      assert.equal(tableRow(pods, p, now)[2], 'ExitCode:3')
    })

    it('init containers: Init:0/2, Init:CrashLoopBackOff, PodInitializing', () => {
      const spec = {initContainers: [{name: 'a', image: 'x'}, {name: 'b', image: 'x'}], containers: [{name: 'main', image: 'x'}]}
      const running = pod('init', spec, {
        phase: 'Pending',
        initContainerStatuses: [{name: 'a', restartCount: 0, state: {running: {}}}, {name: 'b', restartCount: 0, state: {waiting: {reason: 'PodInitializing'}}}],
        containerStatuses: [{name: 'main', restartCount: 0, state: {waiting: {reason: 'PodInitializing'}}}],
      })
      assert.deepEqual(tableRow(pods, running, now).slice(0, 3), ['init', '0/1', 'Init:0/2'])
      const crashing = pod('init', spec, {
        phase: 'Pending',
        initContainerStatuses: [
          {name: 'a', restartCount: 0, state: {terminated: {exitCode: 0, reason: 'Completed'}}},
          {name: 'b', restartCount: 3, state: {waiting: {reason: 'CrashLoopBackOff'}}, lastState: {terminated: {exitCode: 1, finishedAt: ago(30)}}},
        ],
      })
      assert.deepEqual(tableRow(pods, crashing, now).slice(2, 4), ['Init:CrashLoopBackOff', '3 (30s ago)'])
      const done = pod('init', spec, {
        phase: 'Pending',
        conditions: [{type: 'Initialized', status: 'True'}],
        initContainerStatuses: [
          {name: 'a', restartCount: 0, state: {terminated: {exitCode: 0, reason: 'Completed'}}},
          {name: 'b', restartCount: 0, state: {terminated: {exitCode: 0, reason: 'Completed'}}},
        ],
        containerStatuses: [{name: 'main', restartCount: 0, state: {waiting: {reason: 'PodInitializing'}}}],
      })
      assert.equal(tableRow(pods, done, now)[2], 'PodInitializing')
    })

    it('sidecar (restartable init container) counts in READY', () => {
      const p = pod('side', {initContainers: [{name: 'proxy', image: 'x', restartPolicy: 'Always'}], containers: [{name: 'main', image: 'x'}]}, {
        phase: 'Running',
        conditions: [{type: 'Initialized', status: 'True'}, {type: 'Ready', status: 'True'}],
        initContainerStatuses: [{name: 'proxy', ready: true, started: true, restartCount: 0, state: {running: {}}}],
        containerStatuses: [{name: 'main', ready: true, restartCount: 0, state: {running: {}}}],
      })
      assert.deepEqual(tableRow(pods, p, now).slice(1, 3), ['2/2', 'Running'])
    })

    it('ContainerCreating and Pending', () => {
      const creating = pod('c', {containers: [{name: 'c', image: 'x'}], nodeName: 'n'}, {phase: 'Pending', containerStatuses: [{name: 'c', restartCount: 0, state: {waiting: {reason: 'ContainerCreating'}}}]})
      assert.equal(tableRow(pods, creating, now)[2], 'ContainerCreating')
      const pending = pod('p', {containers: [{name: 'c', image: 'x'}]}, {phase: 'Pending'})
      assert.deepEqual(tableRow(pods, pending, now).slice(1, 3), ['0/1', 'Pending'])
    })

    it('terminating pod, and NodeLost -> Unknown', () => {
      const t = pod('t', {containers: [{name: 'c', image: 'x'}]}, {phase: 'Running', containerStatuses: [{name: 'c', ready: true, restartCount: 0, state: {running: {}}}]}, {deletionTimestamp: ago(5)})
      assert.deepEqual(tableRow(pods, t, now).slice(1, 3), ['1/1', 'Terminating'])
      const lost = pod('l', {containers: [{name: 'c', image: 'x'}]}, {phase: 'Running', reason: 'NodeLost'}, {deletionTimestamp: ago(5)})
      assert.equal(tableRow(pods, lost, now)[2], 'Unknown')
    })

    it('readiness gates and nominated node', () => {
      const p = pod('g', {containers: [{name: 'c', image: 'x'}], readinessGates: [{conditionType: 'x/ok'}, {conditionType: 'x/two'}]}, {
        phase: 'Pending', nominatedNodeName: 'n2', conditions: [{type: 'x/ok', status: 'True'}],
      })
      assert.deepEqual(tableRow(pods, p, now).slice(7), ['n2', '1/2'])
    })
  })

  it('nodes', () => {
    const res = builtin('', 'nodes')
    const node: KubeObject = {
      metadata: {name: 'kind-control-plane', creationTimestamp: ago(3 * 86400 + 7200), labels: {'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/hostname': 'x'}},
      spec: {unschedulable: true},
      status: {
        conditions: [{type: 'MemoryPressure', status: 'False'}, {type: 'Ready', status: 'True'}],
        addresses: [{type: 'InternalIP', address: '172.18.0.2'}, {type: 'Hostname', address: 'kind-control-plane'}],
        nodeInfo: {kubeletVersion: 'v1.32.4', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.8.0', containerRuntimeVersion: 'containerd://2.0.3'},
      },
    }
    assert.deepEqual(tableRow(res, node, now), [
      'kind-control-plane', 'Ready,SchedulingDisabled', 'control-plane', '3d2h', 'v1.32.4', '172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.8.0', 'containerd://2.0.3',
    ])
    const bare: KubeObject = {metadata: {name: 'w', creationTimestamp: ago(10)}, status: {conditions: [{type: 'Ready', status: 'Unknown'}]}}
    assert.deepEqual(tableRow(res, bare, now).slice(0, 5), ['w', 'NotReady', '<none>', '10s', ''])
    assert.equal(tableRow(res, {metadata: {name: 'x'}}, now)[1], 'Unknown')
    assert.deepEqual(tableColumns(res).map((c) => c.name), ['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'])
  })

  it('deployments', () => {
    const res = builtin('apps', 'deployments')
    const d: KubeObject = {
      metadata: {name: 'nginx', creationTimestamp: ago(3600)},
      spec: {replicas: 3, selector: {matchLabels: {app: 'nginx', tier: 'web'}}, template: {spec: {containers: [{name: 'nginx', image: 'nginx:1.27'}, {name: 'side', image: 'busybox'}]}}},
      status: {readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2},
    }
    assert.deepEqual(tableRow(res, d, now), ['nginx', '2/3', 3, 2, '60m', 'nginx,side', 'nginx:1.27,busybox', 'app=nginx,tier=web'])
    assert.deepEqual(tableColumns(res).map((c) => `${c.name}:${c.priority}`), ['Name:0', 'Ready:0', 'Up-to-date:0', 'Available:0', 'Age:0', 'Containers:1', 'Images:1', 'Selector:1'])
    assert.deepEqual(tableRow(res, {metadata: {name: 'e'}, spec: {}}, now).slice(1, 4), ['0/0', 0, 0])
  })

  it('services', () => {
    const res = builtin('', 'services')
    const svc: KubeObject = {
      metadata: {name: 'web', creationTimestamp: ago(50)},
      spec: {type: 'NodePort', clusterIP: '10.96.12.7', clusterIPs: ['10.96.12.7'], selector: {app: 'web'}, ports: [{port: 80, protocol: 'TCP'}, {port: 443, nodePort: 30443, protocol: 'TCP'}]},
    }
    assert.deepEqual(tableRow(res, svc, now), ['web', 'NodePort', '10.96.12.7', '<none>', '80/TCP,443:30443/TCP', '50s', 'app=web'])
    const lb: KubeObject = {metadata: {name: 'lb'}, spec: {type: 'LoadBalancer', clusterIPs: ['10.96.0.9'], ports: [{port: 53, protocol: 'UDP', nodePort: 31000}]}}
    assert.deepEqual(tableRow(res, lb, now).slice(2, 5), ['10.96.0.9', '<pending>', '53:31000/UDP'])
    const headless: KubeObject = {metadata: {name: 'h'}, spec: {type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None']}}
    assert.deepEqual(tableRow(res, headless, now).slice(2, 7), ['None', '<none>', '<none>', '<unknown>', '<none>'])
    const ext: KubeObject = {metadata: {name: 'e'}, spec: {type: 'ExternalName', externalName: 'example.com'}}
    assert.equal(tableRow(res, ext, now)[3], 'example.com')
  })

  it('jobs, cronjobs, configmaps, secrets, namespaces, events, leases', () => {
    const job: KubeObject = {
      metadata: {name: 'pi', creationTimestamp: ago(200)},
      spec: {completions: 1, parallelism: 1, selector: {matchLabels: {'batch.kubernetes.io/controller-uid': 'u1'}}, template: {spec: {containers: [{name: 'pi', image: 'perl'}]}}},
      status: {succeeded: 1, startTime: ago(200), completionTime: ago(150), conditions: [{type: 'Complete', status: 'True'}]},
    }
    assert.deepEqual(tableRow(builtin('batch', 'jobs'), job, now), ['pi', 'Complete', '1/1', '50s', '3m20s', 'pi', 'perl', 'batch.kubernetes.io/controller-uid=u1'])
    const cj: KubeObject = {metadata: {name: 'hello', creationTimestamp: ago(60)}, spec: {schedule: '*/1 * * * *', suspend: false, jobTemplate: {spec: {template: {spec: {containers: [{name: 'h', image: 'busybox'}]}}}}}}
    assert.deepEqual(tableRow(builtin('batch', 'cronjobs'), cj, now), ['hello', '*/1 * * * *', '<none>', 'False', 0, '<none>', '60s', 'h', 'busybox', '<none>'])
    assert.deepEqual(tableRow(builtin('', 'configmaps'), {metadata: {name: 'c', creationTimestamp: ago(1)}, data: {a: '1', b: '2'}}, now), ['c', 2, '1s'])
    assert.deepEqual(tableRow(builtin('', 'secrets'), {metadata: {name: 's', creationTimestamp: ago(1)}, type: 'Opaque', data: {a: 'MQ=='}}, now), ['s', 'Opaque', 1, '1s'])
    assert.deepEqual(tableRow(builtin('', 'namespaces'), {metadata: {name: 'default', creationTimestamp: ago(86400)}, status: {phase: 'Active'}}, now), ['default', 'Active', '24h'])
    const ev: KubeObject = {
      metadata: {name: 'web.17a', creationTimestamp: ago(30)},
      involvedObject: {kind: 'Pod', name: 'web', fieldPath: 'spec.containers{nginx}'},
      reason: 'Pulled', type: 'Normal', message: 'Successfully pulled image ', firstTimestamp: ago(40), lastTimestamp: ago(30), count: 2, source: {component: 'kubelet', host: 'kind-worker'},
    }
    assert.deepEqual(tableRow(builtin('', 'events'), ev, now), ['30s', 'Normal', 'Pulled', 'pod/web', 'spec.containers{nginx}', 'kubelet, kind-worker', 'Successfully pulled image', '40s', 2, 'web.17a'])
    assert.deepEqual(tableColumns(builtin('', 'events')).map((c) => c.name), ['Last Seen', 'Type', 'Reason', 'Object', 'Subobject', 'Source', 'Message', 'First Seen', 'Count', 'Name'])
    assert.deepEqual(tableRow(builtin('coordination.k8s.io', 'leases'), {metadata: {name: 'kube-scheduler', creationTimestamp: ago(5)}, spec: {holderIdentity: 'cp_1'}}, now), ['kube-scheduler', 'cp_1', '5s'])
  })

  it('endpoints and endpointslices', () => {
    const ep: KubeObject = {metadata: {name: 'web', creationTimestamp: ago(5)}, subsets: [{addresses: [{ip: '10.0.0.1'}, {ip: '10.0.0.2'}, {ip: '10.0.0.3'}, {ip: '10.0.0.4'}], ports: [{port: 80}]}]}
    assert.deepEqual(tableRow(builtin('', 'endpoints'), ep, now), ['web', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', '5s'])
    assert.equal(tableRow(builtin('', 'endpoints'), {metadata: {name: 'x'}}, now)[1], '<none>')
    const slice: KubeObject = {metadata: {name: 'web-abc', creationTimestamp: ago(5)}, addressType: 'IPv4', ports: [{port: 80, name: 'http'}], endpoints: [{addresses: ['10.0.0.1']}]}
    assert.deepEqual(tableRow(builtin('discovery.k8s.io', 'endpointslices'), slice, now), ['web-abc', 'IPv4', '80', '10.0.0.1', '5s'])
  })

  it('custom resources: Name + Age, with printer columns', () => {
    const res = {group: 'example.com', resource: 'widgets'}
    const w: KubeObject = {metadata: {name: 'w1', creationTimestamp: ago(90)}, spec: {size: 3, color: 'red'}}
    assert.deepEqual(tableColumns(res).map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']])
    assert.deepEqual(tableRow(res, w, now), ['w1', '90s'])
    const cols = [
      {name: 'Size', type: 'integer', jsonPath: '.spec.size'},
      {name: 'Color', type: 'string', jsonPath: '.spec.color', priority: 1},
      {name: 'Missing', type: 'string', jsonPath: '.status.phase'},
      {name: 'Wrong', type: 'integer', jsonPath: '.spec.color'},
      {name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp'},
    ]
    assert.deepEqual(tableColumns(res, cols).map((c) => c.name), ['Name', 'Size', 'Color', 'Missing', 'Wrong', 'Age'])
    assert.deepEqual(tableRow(res, w, now, cols), ['w1', 3, 'red', null, null, '90s'])
    // Explicit printer columns replace the default Age column.
    assert.deepEqual(tableRow(res, w, now, [cols[0]]), ['w1', 3])
    // Built-ins without a printer use the default convertor's "Created At".
    const cr = {group: 'rbac.authorization.k8s.io', resource: 'clusterroles'}
    assert.deepEqual(tableColumns(cr).map((c) => c.name), ['Name', 'Created At'])
    assert.deepEqual(tableRow(cr, {metadata: {name: 'admin', creationTimestamp: '2026-01-01T00:00:00Z'}}, now), ['admin', '2026-01-01T00:00:00Z'])
  })

  it('statefulsets, daemonsets, replicasets', () => {
    const tmpl = {spec: {containers: [{name: 'c', image: 'i'}]}}
    assert.deepEqual(tableRow(builtin('apps', 'statefulsets'), {metadata: {name: 's'}, spec: {replicas: 3, template: tmpl}, status: {readyReplicas: 1}}, now), ['s', '1/3', '<unknown>', 'c', 'i'])
    assert.deepEqual(
      tableRow(builtin('apps', 'daemonsets'), {metadata: {name: 'd'}, spec: {selector: {matchLabels: {a: 'b'}}, template: {spec: {...tmpl.spec, nodeSelector: {'kubernetes.io/os': 'linux'}}}}, status: {desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1}}, now),
      ['d', 2, 2, 1, 2, 1, 'kubernetes.io/os=linux', '<unknown>', 'c', 'i', 'a=b'],
    )
    assert.deepEqual(
      tableRow(builtin('apps', 'replicasets'), {metadata: {name: 'r'}, spec: {replicas: 2, selector: {matchLabels: {app: 'x'}, matchExpressions: [{key: 'env', operator: 'In', values: ['prod', 'dev']}]}, template: tmpl}, status: {replicas: 2, readyReplicas: 2}}, now),
      ['r', 2, 2, 2, '<unknown>', 'c', 'i', 'app=x,env in (dev,prod)'],
    )
  })
})
