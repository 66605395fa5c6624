// End to end: honest node conditions. A worker posts its pressure and network conditions with the kubelet's reasons; a disk threshold above the free space makes real DiskPressure, which taints the node and keeps new pods off it until it clears.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `ncd${process.pid % 100000}`
const worker = `${name}-worker`
const AGENT_CONFIG = '/etc/skiff/agent-config.json'
const DISK_TAINT = 'node.kubernetes.io/disk-pressure'
const CONDITION_TAINTS = ['memory-pressure', 'disk-pressure', 'pid-pressure', 'network-unavailable'].map((t) => `node.kubernetes.io/${t}`)

describe('node conditions (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>

  const node = async () => k.json(['get', 'node', worker])
  const condition = (n: any, type: string) => (n.status?.conditions ?? []).find((c: any) => c.type === type)
  const taintKeys = (n: any) => (n.spec?.taints ?? []).map((t: any) => `${t.key}:${t.effect}`)
  /** Restarts the worker's node process (agent, proxy, DNS): its supervisor starts it again, reading the agent config anew. */
  const restartAgent = async () => {
    const pid = (await run('docker', ['exec', worker, 'pgrep', '-o', '-f', 'skiff-node.cjs worker node'])).stdout.trim()
    assert.ok(pid, 'the worker agent runs')
    assert.equal((await run('docker', ['exec', worker, 'kill', pid])).code, 0)
    await waitFor('the worker agent back', async () => {
      const now = (await run('docker', ['exec', worker, 'pgrep', '-o', '-f', 'skiff-node.cjs worker node'])).stdout.trim()
      return Boolean(now && now !== pid)
    }, 60_000, 200)
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-ncd-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const res = await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('a healthy worker posts the four conditions False with the kubelet reasons and carries no condition taints', async () => {
    const n = await waitFor('NetworkUnavailable posted', async () => {
      const n = await node()
      return condition(n, 'NetworkUnavailable') && n
    }, 60_000, 500)
    const row = (type: string) => {
      const c = condition(n, type)
      return c && [c.status, c.reason, c.message]
    }
    assert.deepEqual(row('MemoryPressure'), ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'])
    assert.deepEqual(row('DiskPressure'), ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'])
    assert.deepEqual(row('PIDPressure'), ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'])
    assert.deepEqual(row('NetworkUnavailable'), ['False', 'CNIConfigured', `the pod network is configured for pod CIDR ${n.spec.podCIDR}`])
    assert.deepEqual(row('Ready'), ['True', 'KubeletReady', 'kubelet is posting ready status'])
    assert.deepEqual(taintKeys(n).filter((t: string) => CONDITION_TAINTS.some((c) => t.startsWith(c))), [])
    const table = await k.run(['get', 'nodes', '--no-headers'])
    assert.equal(table.code, 0, table.stderr)
    for (const line of table.stdout.trim().split('\n')) assert.match(line, /^\S+\s+Ready\s/, `kubectl get nodes shows Ready: ${line}`)
  })

  it('a nodefs threshold above the free space: DiskPressure, the disk-pressure taint, new pods Pending; cleared again, the pod schedules', async () => {
    // 99% of the disk must stay free: no real disk is that empty, so the agent sees real pressure on its real statfs.
    const config = JSON.stringify({evictionHard: {'nodefs.available': '99%'}, mergeDefaultEvictionSettings: true})
    assert.equal((await run('docker', ['exec', '-i', worker, 'sh', '-c', `cat > ${AGENT_CONFIG}`], {input: config})).code, 0)
    const t0 = Date.now()
    await restartAgent()
    const pressured = await waitFor('DiskPressure=True and the disk-pressure taint', async () => {
      const n = await node()
      return condition(n, 'DiskPressure')?.status === 'True' && taintKeys(n).includes(`${DISK_TAINT}:NoSchedule`) && n
    }, 90_000, 500)
    const taintedAfter = Date.now() - t0
    const disk = condition(pressured, 'DiskPressure')
    assert.equal(disk.reason, 'KubeletHasDiskPressure')
    assert.equal(disk.message, 'kubelet has disk pressure')
    assert.equal(condition(pressured, 'Ready').status, 'True', 'pressure is not unreadiness')
    assert.equal(condition(pressured, 'MemoryPressure').status, 'False')
    const table = await k.run(['get', 'node', worker, '--no-headers'])
    assert.match(table.stdout, /\sReady\s/)

    // The control plane is tainted too, so the only node a pod without tolerations could use is the pressured worker.
    const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'waits', namespace: 'default'}, spec: {containers: [{name: 'c', image: 'skiff/pause:1', imagePullPolicy: 'IfNotPresent'}]}}
    const created = await k.run(['create', '-f', '-'], JSON.stringify(pod))
    assert.equal(created.code, 0, created.stderr)
    const unschedulable = await waitFor('the pod reported unschedulable', async () => {
      const p = await k.json(['get', 'pod', 'waits'])
      const c = (p.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled')
      return c?.status === 'False' && c
    }, 60_000, 500)
    assert.equal(unschedulable.reason, 'Unschedulable')
    assert.match(unschedulable.message, /node\.kubernetes\.io\/disk-pressure/)
    await new Promise((r) => setTimeout(r, 3000))
    const still = await k.json(['get', 'pod', 'waits'])
    assert.equal(still.status.phase, 'Pending')
    assert.equal(still.spec.nodeName, undefined, 'no node was given to the pod')

    // Back to the defaults: a restarted agent starts without the old observations, so the condition clears at once.
    assert.equal((await run('docker', ['exec', worker, 'rm', '-f', AGENT_CONFIG])).code, 0)
    const t1 = Date.now()
    await restartAgent()
    await waitFor('DiskPressure=False and no disk-pressure taint', async () => {
      const n = await node()
      return condition(n, 'DiskPressure')?.status === 'False' && !taintKeys(n).some((t: string) => t.startsWith(DISK_TAINT))
    }, 90_000, 500)
    const scheduled = await waitFor('the pod scheduled onto the worker', async () => (await k.json(['get', 'pod', 'waits'])).spec.nodeName, 90_000, 500)
    assert.equal(scheduled, worker)
    console.log(`      disk pressure: tainted ${(taintedAfter / 1000).toFixed(1)} s after the agent restart; untainted and the pod scheduled ${((Date.now() - t1) / 1000).toFixed(1)} s after the next`)
  })
})
