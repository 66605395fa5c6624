// Tests of each scheduler plugin on its own.
import {strict as assert} from 'node:assert'
import {CycleState, NodeInfo} from '../../../src/scheduler/framework.js'
import {LeastAllocated} from '../../../src/scheduler/plugins/least-allocated.js'
import {NodeAffinity} from '../../../src/scheduler/plugins/node-affinity.js'
import {NodeName} from '../../../src/scheduler/plugins/node-name.js'
import {NodePorts} from '../../../src/scheduler/plugins/node-ports.js'
import {NodeReady} from '../../../src/scheduler/plugins/node-ready.js'
import {NodeResourcesFit} from '../../../src/scheduler/plugins/node-resources-fit.js'
import {NodeUnschedulable} from '../../../src/scheduler/plugins/node-unschedulable.js'
import {OwnerSpread} from '../../../src/scheduler/plugins/owner-spread.js'
import {TaintToleration} from '../../../src/scheduler/plugins/taint-toleration.js'
import {podNonZeroRequests, podRequests} from '../../../src/scheduler/resources.js'
import {controlPlane, makeNode, makePod} from './fixtures.js'

const state = () => new CycleState()

describe('scheduler/plugins', () => {
  describe('NodeResourcesFit', () => {
    const fit = new NodeResourcesFit()
    it('fits requests into allocatable minus what is requested', () => {
      const ni = new NodeInfo(makeNode('n', {cpu: '1', memory: '1Gi'}), [makePod('a', {cpu: '600m', memory: '512Mi', node: 'n'})])
      assert.equal(fit.filter(makePod('p', {cpu: '400m', memory: '512Mi'}), ni), undefined)
      assert.deepEqual(fit.filter(makePod('p', {cpu: '401m'}), ni), {code: 'Unschedulable', reasons: ['Insufficient cpu']})
      assert.deepEqual(fit.filter(makePod('p', {cpu: '2', memory: '1Gi'}), ni)?.reasons, ['Insufficient cpu', 'Insufficient memory'])
    })
    it('lets pods without requests fit anywhere with a free pod slot', () => {
      const full = new NodeInfo(makeNode('n', {cpu: '1'}), [makePod('a', {cpu: '1', node: 'n'})])
      assert.equal(fit.filter(makePod('p'), full), undefined)
      const noSlots = new NodeInfo(makeNode('n', {pods: '1'}), [makePod('a', {node: 'n'})])
      assert.deepEqual(fit.filter(makePod('p'), noSlots)?.reasons, ['Too many pods'])
    })
    it('checks extended resources', () => {
      const ni = new NodeInfo(makeNode('n'))
      const pod = makePod('p', {spec: {containers: [{name: 'c', resources: {limits: {'example.com/gpu': '1'}}}]}})
      assert.deepEqual(fit.filter(pod, ni)?.reasons, ['Insufficient example.com/gpu'])
    })
  })

  describe('pod requests', () => {
    it('takes the larger of the containers sum and the biggest init container, plus overhead', () => {
      const pod = makePod('p', {
        spec: {
          containers: [{name: 'a', resources: {requests: {cpu: '100m'}}}, {name: 'b', resources: {requests: {cpu: '200m', memory: '1Mi'}}}],
          initContainers: [{name: 'i', resources: {requests: {cpu: '500m'}}}],
          overhead: {cpu: '10m'},
        },
      })
      assert.deepEqual(podRequests(pod), {cpu: 510, memory: 1048576})
    })
    it('adds sidecar init containers to the sum', () => {
      const pod = makePod('p', {
        spec: {
          containers: [{name: 'a', resources: {requests: {cpu: '100m'}}}],
          initContainers: [{name: 's', restartPolicy: 'Always', resources: {requests: {cpu: '50m'}}}, {name: 'i', resources: {requests: {cpu: '120m'}}}],
        },
      })
      assert.equal(podRequests(pod).cpu, 170)
    })
    it('uses limits when requests are missing, and non-zero defaults for scoring', () => {
      assert.equal(podRequests(makePod('p', {spec: {containers: [{name: 'a', resources: {limits: {cpu: '1'}}}]}})).cpu, 1000)
      assert.deepEqual(podNonZeroRequests(makePod('p')), {cpu: 100, memory: 200 * 1024 * 1024})
    })
  })

  describe('TaintToleration', () => {
    const tt = new TaintToleration()
    it('rejects an untolerated NoSchedule taint with the k8s message', () => {
      assert.deepEqual(tt.filter(makePod('p'), new NodeInfo(controlPlane())), {
        code: 'UnschedulableAndUnresolvable',
        reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'],
      })
    })
    it('accepts tolerated taints (Exists, Equal, empty key with Exists)', () => {
      const ni = new NodeInfo(makeNode('n', {taints: [{key: 'k', value: 'v', effect: 'NoExecute'}, {key: 'soft', effect: 'PreferNoSchedule'}]}))
      assert.ok(tt.filter(makePod('p'), ni))
      assert.equal(tt.filter(makePod('p', {spec: {tolerations: [{key: 'k', operator: 'Exists'}]}}), ni), undefined)
      assert.equal(tt.filter(makePod('p', {spec: {tolerations: [{key: 'k', value: 'v', effect: 'NoExecute'}]}}), ni), undefined)
      assert.ok(tt.filter(makePod('p', {spec: {tolerations: [{key: 'k', value: 'other'}]}}), ni))
      assert.ok(tt.filter(makePod('p', {spec: {tolerations: [{key: 'k', operator: 'Exists', effect: 'NoSchedule'}]}}), ni))
      assert.equal(tt.filter(makePod('p', {spec: {tolerations: [{operator: 'Exists'}]}}), ni), undefined)
    })
    it('scores nodes with fewer intolerable PreferNoSchedule taints higher', () => {
      const a = new NodeInfo(makeNode('a', {taints: [{key: 's', effect: 'PreferNoSchedule'}]}))
      const b = new NodeInfo(makeNode('b'))
      const pod = makePod('p')
      const st = state()
      const scores = [tt.score(pod, a, st), tt.score(pod, b, st)]
      tt.normalize(pod, scores)
      assert.deepEqual(scores, [0, 100])
    })
  })

  describe('NodeReady', () => {
    const nr = new NodeReady()
    it('reports a not-ready node as the not-ready taint', () => {
      assert.deepEqual(nr.filter(makePod('p'), new NodeInfo(makeNode('n', {ready: 'False'})))?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'])
      assert.deepEqual(nr.filter(makePod('p'), new NodeInfo(makeNode('n', {ready: 'Unknown'})))?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'])
      assert.equal(nr.filter(makePod('p'), new NodeInfo(makeNode('n'))), undefined)
    })
    it('leaves an already tainted node to TaintToleration and honours tolerations', () => {
      const tainted = makeNode('n', {ready: 'False', taints: [{key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule'}]})
      assert.equal(nr.filter(makePod('p'), new NodeInfo(tainted)), undefined)
      const tolerant = makePod('p', {spec: {tolerations: [{operator: 'Exists'}]}})
      assert.equal(nr.filter(tolerant, new NodeInfo(makeNode('n', {ready: 'False'}))), undefined)
    })
  })

  describe('NodeUnschedulable / NodeName', () => {
    it('rejects cordoned nodes unless tolerated', () => {
      const ni = new NodeInfo(makeNode('n', {unschedulable: true}))
      assert.deepEqual(new NodeUnschedulable().filter(makePod('p'), ni)?.reasons, ['node(s) were unschedulable'])
      const ds = makePod('p', {spec: {tolerations: [{key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule'}]}})
      assert.equal(new NodeUnschedulable().filter(ds, ni), undefined)
    })
    it('matches spec.nodeName', () => {
      const ni = new NodeInfo(makeNode('n'))
      assert.equal(new NodeName().filter(makePod('p', {node: 'n'}), ni), undefined)
      assert.deepEqual(new NodeName().filter(makePod('p', {node: 'm'}), ni)?.reasons, ["node(s) didn't match the requested node name"])
    })
  })

  describe('NodeAffinity', () => {
    const na = new NodeAffinity()
    const ni = new NodeInfo(makeNode('n1', {labels: {disk: 'ssd', gen: '5'}}))
    const withAffinity = (terms: any[]) => makePod('p', {spec: {affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: terms}}}}})
    it('checks nodeSelector', () => {
      assert.equal(na.filter(makePod('p', {spec: {nodeSelector: {disk: 'ssd'}}}), ni), undefined)
      assert.deepEqual(na.filter(makePod('p', {spec: {nodeSelector: {disk: 'hdd'}}}), ni)?.reasons, ["node(s) didn't match Pod's node affinity/selector"])
    })
    it('ORs terms and ANDs expressions, with every operator', () => {
      const ok = (terms: any[]) => na.filter(withAffinity(terms), ni) === undefined
      assert.ok(ok([{matchExpressions: [{key: 'disk', operator: 'In', values: ['ssd', 'nvme']}]}]))
      assert.ok(!ok([{matchExpressions: [{key: 'disk', operator: 'NotIn', values: ['ssd']}]}]))
      assert.ok(ok([{matchExpressions: [{key: 'zone', operator: 'NotIn', values: ['a']}]}]))
      assert.ok(ok([{matchExpressions: [{key: 'disk', operator: 'Exists'}, {key: 'zone', operator: 'DoesNotExist'}]}]))
      assert.ok(!ok([{matchExpressions: [{key: 'disk', operator: 'Exists'}, {key: 'gen', operator: 'DoesNotExist'}]}]))
      assert.ok(ok([{matchExpressions: [{key: 'gen', operator: 'Gt', values: ['4']}]}]))
      assert.ok(!ok([{matchExpressions: [{key: 'gen', operator: 'Lt', values: ['5']}]}]))
      assert.ok(ok([{matchExpressions: [{key: 'x', operator: 'Exists'}]}, {matchFields: [{key: 'metadata.name', operator: 'In', values: ['n1']}]}]))
      assert.ok(!ok([{}]))
      assert.ok(!ok([]))
    })
    it('scores preferred terms by weight', () => {
      const pod = makePod('p', {spec: {affinity: {nodeAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 10, preference: {matchExpressions: [{key: 'disk', operator: 'In', values: ['ssd']}]}}]}}}})
      const scores = [na.score(pod, ni), na.score(pod, new NodeInfo(makeNode('n2')))]
      na.normalize(pod, scores)
      assert.deepEqual(scores, [100, 0])
    })
  })

  describe('NodePorts', () => {
    const np = new NodePorts()
    it('rejects a node where the host port is taken (wildcard IPs conflict with any)', () => {
      const ni = new NodeInfo(makeNode('n'), [makePod('a', {node: 'n', hostPort: 8080})])
      assert.deepEqual(np.filter(makePod('p', {hostPort: 8080}), ni, state())?.reasons, ["node(s) didn't have free ports for the requested pod ports"])
      assert.equal(np.filter(makePod('p', {hostPort: 8081}), ni, state()), undefined)
      const udp = makePod('p', {spec: {containers: [{name: 'c', ports: [{containerPort: 53, hostPort: 8080, protocol: 'UDP'}]}]}})
      assert.equal(np.filter(udp, ni, state()), undefined)
      const specific = makePod('p', {spec: {containers: [{name: 'c', ports: [{containerPort: 1, hostPort: 8080, hostIP: '127.0.0.1'}]}]}})
      assert.ok(np.filter(specific, ni, state()))
    })
  })

  describe('LeastAllocated', () => {
    it('prefers the emptier node, counting pods without requests at 100m/200Mi', () => {
      const la = new LeastAllocated()
      const empty = new NodeInfo(makeNode('a', {cpu: '1', memory: '1000Mi'}))
      const busy = new NodeInfo(makeNode('b', {cpu: '1', memory: '1000Mi'}), [makePod('x', {node: 'b'})])
      const pod = makePod('p')
      // empty: cpu (1000-100)/1000 → 90, memory (1000-200)/1000 → 80 → 85; busy: 80 and 60 → 70.
      assert.equal(la.score(pod, empty, state()), 85)
      assert.equal(la.score(pod, busy, state()), 70)
    })
  })

  describe('OwnerSpread', () => {
    it('prefers nodes with fewer pods of the same owner', () => {
      const os = new OwnerSpread()
      const a = new NodeInfo(makeNode('a'), [makePod('x', {node: 'a', owner: 'web'}), makePod('y', {node: 'a', owner: 'other'})])
      const b = new NodeInfo(makeNode('b'), [makePod('z', {node: 'b', owner: 'other'})])
      const pod = makePod('p', {owner: 'web'})
      const scores = [os.score(pod, a, state()), os.score(pod, b, state())]
      assert.deepEqual(scores, [1, 0])
      os.normalize(pod, scores)
      assert.deepEqual(scores, [0, 100])
    })
  })
})
