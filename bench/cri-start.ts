// Benchmark (not a test): pod and container start through containerd's CRI (crun, and runc) in a CRI node vs `docker run -d` through a docker node's inner dockerd.
// Usage (under the docker lock): flock /tmp/skiff-docker.lock node --import tsx bench/cri-start.ts [--n 20] [--image skiff/node:...]
//
// Both clients run on the host and reach the node's socket through the same `docker exec` pipe (one persistent
// connection each), so the transport cost is the same on both sides. The dockerd figures are the floor/baseline:
// today's path costs two of them per pod (pause sandbox, then the app container).
import {execFileSync} from 'node:child_process'
import Dockerode from 'dockerode'
import {CONTAINERD_SOCKET, CriClient, cniConfig, pauseArchiveImportScript, type PodSandboxConfig} from '../src/agent/cri/index.js'
import {PAUSE_IMAGE, pauseImportScript} from '../src/agent/pods/pause-image.js'
import {forwardNodeSocket, type NodeSocket} from '../test/integration/cri/node-socket.js'
import {importImage, nodeExec, nodeImage, removeTestNode, startTestNode} from '../test/integration/cri/node.js'

const BUSYBOX = 'skiff/busybox:test'
const CMD = ['sleep', '3600']

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : def
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}
const row = (label: string, xs: number[]) => console.log(`${label.padEnd(58)} p50 ${String(pct(xs, 50)).padStart(4)} ms  p90 ${String(pct(xs, 90)).padStart(4)} ms  (n=${xs.length})`)

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now()
  const v = await f()
  return [Math.round(performance.now() - t), v]
}

async function waitUntil(what: string, f: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await f().then(Boolean, () => false)) return
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function sandboxConfig(i: string, cgroupParent: string): PodSandboxConfig {
  const uid = `bench-${i}`
  return {
    metadata: {name: `p${i}`, uid, namespace: 'bench', attempt: 0},
    hostname: `p${i}`,
    logDirectory: `/var/log/pods/bench_p${i}_${uid}`,
    labels: {'io.kubernetes.pod.uid': uid, bench: 'cri-start'},
    linux: {cgroupParent, securityContext: {namespaceOptions: {network: 'POD', pid: 'CONTAINER', ipc: 'POD'}}},
  }
}

async function criSeries(cri: CriClient, cgroupParent: string, n: number, handler: string) {
  const pod: number[] = []
  const sandbox: number[] = []
  const container: number[] = []
  for (let i = -2; i < n; i++) {
    const cfg = sandboxConfig(`${handler || 'default'}-${i + 2}`, cgroupParent)
    const t0 = performance.now()
    const [ts, id] = await timed(() => cri.runPodSandbox(cfg, handler))
    const [tc] = await timed(async () => {
      const cid = await cri.createContainer(id, {metadata: {name: 'c'}, image: {image: BUSYBOX}, command: CMD, logPath: 'c/0.log'}, cfg)
      await cri.startContainer(cid)
    })
    if (i < 0) continue
    pod.push(Math.round(performance.now() - t0))
    sandbox.push(ts)
    container.push(tc)
  }
  return {pod, sandbox, container}
}

async function criCleanup(cri: CriClient): Promise<void> {
  for (const s of await cri.listPodSandbox({labelSelector: {bench: 'cri-start'}})) {
    await cri.stopPodSandbox(s.id)
    await cri.removePodSandbox(s.id)
  }
}

async function dockerSeries(d: Dockerode, n: number) {
  const single: number[] = []
  const pod: number[] = []
  for (let i = -2; i < n; i++) {
    const [t1] = await timed(async () => {
      const c = await d.createContainer({Image: BUSYBOX, Cmd: CMD, Labels: {bench: 'cri-start'}})
      await c.start()
    })
    const [t2] = await timed(async () => {
      const p = await d.createContainer({Image: PAUSE_IMAGE, Labels: {bench: 'cri-start'}})
      await p.start()
      const c = await d.createContainer({Image: BUSYBOX, Cmd: CMD, Labels: {bench: 'cri-start'}, HostConfig: {NetworkMode: `container:${p.id}`}})
      await c.start()
    })
    if (i < 0) continue
    single.push(t1)
    pod.push(t2)
  }
  return {single, pod}
}

async function dockerCleanup(d: Dockerode): Promise<void> {
  const list = await d.listContainers({all: true, filters: {label: ['bench=cri-start']}})
  // App containers first: a sandbox cannot go while a container shares its network namespace.
  list.sort((a, b) => Number(a.HostConfig?.NetworkMode?.startsWith('container:') ? 0 : 1) - Number(b.HostConfig?.NetworkMode?.startsWith('container:') ? 0 : 1))
  for (const c of list) await d.getContainer(c.Id).remove({force: true})
}

async function main() {
  const n = Number(arg('n', '20'))
  const image = arg('image', process.env.SKIFF_TEST_NODE_IMAGE ?? '') || (await nodeImage((l) => console.log(l)))
  try {
    execFileSync('docker', ['image', 'inspect', BUSYBOX], {stdio: 'ignore'})
  } catch {
    execFileSync('scripts/build-busybox-image.sh', [BUSYBOX], {stdio: 'inherit'})
  }
  const criNode = `skiff-bench-cri-${process.pid}`
  const dockerNode = `skiff-bench-docker-${process.pid}`
  const sockets: NodeSocket[] = []
  let cri: CriClient | undefined
  let docker: Dockerode | undefined
  try {
    await Promise.all([startTestNode({name: criNode, image, runtime: 'cri', podCIDR: '10.244.7.0/24'}), startTestNode({name: dockerNode, image, runtime: 'docker', podCIDR: '10.244.8.0/24'})])
    const criSock = await forwardNodeSocket(criNode, CONTAINERD_SOCKET)
    const dockerSock = await forwardNodeSocket(dockerNode, '/var/run/docker.sock')
    sockets.push(criSock, dockerSock)
    cri = new CriClient(criSock.path)
    docker = new Dockerode({socketPath: dockerSock.path})
    await waitUntil('containerd CRI', () => cri!.version())
    await waitUntil('inner dockerd', () => docker!.ping())

    await nodeExec(criNode, ['sh', '-c', 'cat > /etc/cni/net.d/10-skiff.conflist'], JSON.stringify(cniConfig({podCIDR: '10.244.7.0/24'})))
    await nodeExec(criNode, ['sh', '-c', pauseArchiveImportScript()])
    await importImage(criNode, BUSYBOX)
    await waitUntil('CNI config loaded', async () => (await cri!.status()).find((c) => c.type === 'NetworkReady')?.status)
    await nodeExec(dockerNode, ['sh', '-c', pauseImportScript()])
    execFileSync('sh', ['-c', 'docker save "$1" | docker exec -i "$2" docker load >/dev/null', 'sh', BUSYBOX, dockerNode])
    const cgroupParent = (await nodeExec(criNode, ['cat', '/run/skiff/cgroup-parent'])).trim()

    console.log(`\nsequential starts, ${n} each after 2 warm-ups; busybox \`sleep 3600\`; node image ${image}; ${new Date().toISOString()}`)
    const dk = await dockerSeries(docker, n)
    await dockerCleanup(docker)
    const crun = await criSeries(cri, cgroupParent, n, '')
    await criCleanup(cri)
    const runc = await criSeries(cri, cgroupParent, n, 'runc')
    await criCleanup(cri)

    console.log('\nfloor (today\'s path, inner dockerd with libnetwork bridge)')
    row('  docker run -d (create+start), one container', dk.single)
    row('  pod = pause + app sharing its netns (two docker runs)', dk.pod)
    console.log('\ncontainerd CRI + CNI bridge, crun (default handler)')
    row('  pod = RunPodSandbox + CreateContainer + StartContainer', crun.pod)
    row('    RunPodSandbox (pause, netns, CNI ADD)', crun.sandbox)
    row('    CreateContainer + StartContainer', crun.container)
    console.log('\ncontainerd CRI + CNI bridge, runc (runtime handler "runc")')
    row('  pod = RunPodSandbox + CreateContainer + StartContainer', runc.pod)
    row('    RunPodSandbox', runc.sandbox)
    row('    CreateContainer + StartContainer', runc.container)
  } finally {
    cri?.close()
    for (const s of sockets) await s.close()
    await Promise.all([removeTestNode(criNode), removeTestNode(dockerNode)])
  }
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
