// End to end: ResourceQuota in a real cluster: the controller manager keeps usage, the third pod of a 2-pod quota is refused, deleting or finishing a pod frees its slot.
import assert from 'node:assert/strict'
import {useSharedCluster} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `quota${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'

describe('resource quota (end to end)', function () {
  this.timeout(900_000)
  const {k} = useSharedCluster(name, IMAGE)
  const ok = async (...args: string[]) => {
    const r = await k.run(args)
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const used = () => ok('get', 'quota', 'two', '-n', 'q', '-o', 'jsonpath={.status.used.pods}')
  const runPod = (pod: string, ...cmd: string[]) => k.run(['run', pod, '-n', 'q', `--image=${IMAGE}`, '--image-pull-policy=IfNotPresent', '--restart=Never', '--', ...cmd])

  it('refuses the third pod of a 2-pod quota with Kubernetes\' message, and frees slots for deleted and finished pods', async () => {
    await ok('create', 'namespace', 'q')
    await ok('create', 'quota', 'two', '-n', 'q', '--hard=pods=2')
    await waitFor('quota usage', async () => (await used()) === '0', 60_000, 500)
    for (const p of ['a', 'b']) assert.equal((await runPod(p, 'sleep', '3600')).code, 0)
    const third = await runPod('c', 'sleep', '3600')
    assert.notEqual(third.code, 0)
    assert.match(third.stderr, /Error from server \(Forbidden\): pods "c" is forbidden: exceeded quota: two, requested: pods=1, used: pods=2, limited: pods=2/)
    // Default tolerations come with every pod.
    const a = JSON.parse(await ok('get', 'pod', 'a', '-n', 'q', '-o', 'json'))
    assert.deepEqual(a.spec.tolerations.map((t: {key: string; tolerationSeconds: number}) => `${t.key}=${t.tolerationSeconds}`), ['node.kubernetes.io/not-ready=300', 'node.kubernetes.io/unreachable=300'])

    await ok('delete', 'pod', 'a', '-n', 'q', '--grace-period=1')
    await waitFor('usage after the delete', async () => (await used()) === '1', 60_000, 500)
    // A pod that runs to completion stops counting.
    assert.equal((await runPod('done', 'true')).code, 0)
    await waitFor('done Succeeded', async () => (await ok('get', 'pod', 'done', '-n', 'q', '-o', 'jsonpath={.status.phase}')) === 'Succeeded', 120_000, 500)
    await waitFor('usage after completion', async () => (await used()) === '1', 60_000, 500)
    assert.equal((await runPod('c', 'sleep', '3600')).code, 0)
    assert.match(await ok('describe', 'quota', 'two', '-n', 'q'), /^pods\s+2\s+2$/m)
  })
})
