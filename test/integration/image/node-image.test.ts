// Builds the node image if missing, starts one node with the fallback (non-privileged) settings and checks containerd, etcd, supervision and the pods' cgroup parent.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import * as fs from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import {promisify} from 'node:util'
import Docker from 'dockerode'
import {DockerProvider} from '../../../src/cluster/docker/provider.js'
import {ensureNodeImage} from '../../../src/cluster/image/index.js'
import {repoRoot} from '../../../src/cluster/version.js'
import {waitFor} from '../../helpers/wait.js'

const execFileP = promisify(execFile)
const docker = new Docker()
const log = (line: string) => console.log(`      ${line}`)

/** Runs a command inside a container through the docker CLI, returning stdout. */
async function dockerExec(container: string, ...cmd: string[]): Promise<string> {
  const {stdout} = await execFileP('docker', ['exec', container, ...cmd], {maxBuffer: 16 * 1024 * 1024})
  return stdout
}

/** The settings DESIGN.md found to work for Docker-in-Docker where --privileged fails. */
function fallbackHostConfig(memoryBytes: number): Docker.HostConfig {
  return {
    CapAdd: ['ALL'],
    CapDrop: ['SYS_RESOURCE'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    // `--security-opt systempaths=unconfined` is CLI-only (the API rejects it); the CLI turns it into these.
    MaskedPaths: [],
    ReadonlyPaths: [],
    DeviceCgroupRules: ['a *:* rwm'],
    Tmpfs: {'/run': '', '/tmp': ''},
    Memory: memoryBytes,
  }
}

describe('node image (integration)', function () {
  // A cold build (debootstrap base + apt layer) takes a few minutes on a small machine.
  this.timeout(15 * 60_000)
  const name = `skiff-test-image-${process.pid}`
  let image = ''
  let stubDir = ''

  before(async function () {
    const root = repoRoot()
    // Until the real components exist, bundle a stub so the image can be built; the node here only runs `sleep`.
    if (!existsSync(path.join(root, 'src', 'components', 'entries', 'node.ts')) && !existsSync(path.join(root, 'images', 'node', 'build', 'lib', 'skiff-node.cjs'))) {
      stubDir = await fs.mkdtemp(path.join(os.tmpdir(), 'skiff-stub-'))
      await fs.writeFile(path.join(stubDir, 'node.ts'), "console.log('skiff components stub')\n")
      process.env.SKIFF_NODE_ENTRY = path.join(stubDir, 'node.ts')
    }
    const t0 = Date.now()
    const res = await ensureNodeImage(new DockerProvider(docker), {repoRoot: root, onProgress: (l) => (/^(Step|Successfully|building|bundled|pulling|cannot)/.test(l) ? log(l) : undefined)})
    image = res.image
    log(`node image ${image} ${res.built ? `built from ${res.base} in ${Date.now() - t0} ms` : 'already present'}`)
  })

  after(async () => {
    if (stubDir) {
      delete process.env.SKIFF_NODE_ENTRY
      await fs.rm(stubDir, {recursive: true, force: true})
    }
  })

  afterEach(async () => {
    // v: true also removes the anonymous /var/lib/containerd volume.
    await docker.getContainer(name).remove({force: true, v: true}).catch(() => {})
  })

  it('starts a node whose containerd answers (no dockerd), with etcd on a control plane and the node limits in place', async () => {
    const memory = 512 * 1024 * 1024
    const container = await docker.createContainer({
      name,
      Image: image,
      Cmd: ['sleep', 'infinity'],
      Hostname: name,
      Env: ['SKIFF_ROLE=control-plane', `SKIFF_NODE_NAME=${name}`, 'SKIFF_POD_CIDR=10.244.7.0/24', 'SKIFF_CLUSTER_CIDR=10.244.0.0/16'],
      Labels: {'io.skiff.test': 'image'},
      Volumes: {'/var/lib/containerd': {}},
      HostConfig: fallbackHostConfig(memory),
    })
    const t0 = Date.now()
    await container.start()
    // On a timeout the assertion below shows the entrypoint's log.
    const ready = await waitFor('containerd', () => dockerExec(name, 'ctr', 'version').then(() => true), 30_000, 50).catch(() => false)
    const floorMs = Date.now() - t0
    assert.ok(ready, `containerd did not answer; entrypoint log:\n${(await container.logs({stdout: true, stderr: true})).toString()}`)
    log(`floor: container start -> \`ctr version\` answering: ${floorMs} ms`)
    const procs = await dockerExec(name, 'ps', '-eo', 'comm')
    assert.ok(!/^dockerd$/m.test(procs), `dockerd runs in the node:\n${procs}`)
    // overlayfs snapshots need the volume's real filesystem; the entrypoint says which snapshotter it chose.
    assert.equal((await dockerExec(name, 'cat', '/run/skiff/snapshotter')).trim(), 'overlayfs')

    // The pods' cgroup parent sits under the node's own cgroup, as the entrypoint recorded it before remounting.
    const entrypointLog = (await container.logs({stdout: true, stderr: true})).toString()
    const nodeCgroup = /node cgroup: (\S+)/.exec(entrypointLog)?.[1]
    assert.ok(nodeCgroup, `entrypoint did not log the node cgroup:\n${entrypointLog}`)
    const parent = (await dockerExec(name, 'cat', '/run/skiff/cgroup-parent')).trim()
    if (nodeCgroup !== '/') assert.equal(parent, `${nodeCgroup}/pods`)
    // The node's memory limit binds everything under it, pods included.
    if (!existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const limit = Number((await dockerExec(name, 'cat', `/sys/fs/cgroup/memory${nodeCgroup}/memory.limit_in_bytes`)).trim())
      assert.equal(limit, memory)
    }

    // etcd runs on a control-plane node and the bundled Node.js runtime works.
    let health = ''
    const etcdHealth = () => dockerExec(name, 'node', '-e', "fetch('http://127.0.0.1:2379/health').then(r => r.text()).then(t => console.log(t), () => console.log('down'))").catch(() => '')
    await waitFor('etcd health', async () => (health = await etcdHealth()).includes('true'), 15_000, 100).catch(() => undefined)
    assert.match(health, /"health":\s*"true"/)

    // A supervised piece that dies comes back without taking the node down.
    await dockerExec(name, 'pkill', '-KILL', '-x', 'containerd')
    await waitFor('containerd back after a kill', () => dockerExec(name, 'ctr', 'version').then(() => true), 30_000, 100)
    assert.equal((await container.inspect()).State.Running, true)

    const stats = (await container.stats({stream: false})) as {memory_stats: {usage?: number; stats?: {cache?: number}}}
    const usage = (stats.memory_stats.usage ?? 0) - (stats.memory_stats.stats?.cache ?? 0)
    log(`node memory (containerd + etcd, excluding page cache): ${(usage / 1024 / 1024).toFixed(1)} MiB`)
  })

  it('exits with a clear message when the components bundle is missing', async () => {
    const container = await docker.createContainer({
      name,
      Image: image,
      Env: ['SKIFF_BUNDLE=/opt/skiff/lib/missing.cjs'],
      Volumes: {'/var/lib/containerd': {}},
      HostConfig: fallbackHostConfig(512 * 1024 * 1024),
    })
    await container.start()
    const res = (await container.wait()) as {StatusCode: number}
    const out = (await container.logs({stdout: true, stderr: true})).toString()
    assert.equal(res.StatusCode, 1)
    assert.match(out, /missing\.cjs is missing/)
  })
})
