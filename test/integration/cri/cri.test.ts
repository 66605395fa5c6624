// Integration: the agent's CRI client against containerd's CRI plugin in a real node container (SKIFF_RUNTIME=cri), with CNI networking, crun, logs and exec.
import assert from 'node:assert/strict'
import {CONTAINERD_SOCKET, CriClient, cniConfig, isNotFound, pauseArchiveImportScript, type PodSandboxConfig} from '../../../src/agent/cri/index.js'
import {containerRequest, sandboxRequest} from '../../../src/agent/pods/container-config.js'
import {CriRuntime} from '../../../src/agent/pods/cri-runtime.js'
import {PAUSE_IMAGE} from '../../../src/agent/pods/pause-image.js'
import {ensureBusyboxImage} from '../../helpers/images.js'
import {waitFor} from '../../helpers/wait.js'
import {forwardNodeSocket, type NodeSocket} from './node-socket.js'
import {importImage, nodeExec, nodeImage, removeTestNode, startTestNode} from './node.js'

const BUSYBOX = 'skiff/busybox:test'
const POD_CIDR = '10.244.7.0/24'
const log = (line: string) => console.log(`      ${line}`)

describe('CRI runtime in a node (containerd + crun + CNI)', function () {
  this.timeout(10 * 60_000)
  const name = `skiff-test-cri-${process.pid}`
  let sock: NodeSocket | undefined
  let cri: CriClient
  let cgroupParent = ''

  before(async () => {
    const image = await nodeImage(log)
    await ensureBusyboxImage(BUSYBOX)
    const t0 = Date.now()
    await startTestNode({name, image, podCIDR: POD_CIDR})
    sock = await forwardNodeSocket(name, CONTAINERD_SOCKET)
    cri = new CriClient(sock.path, {timeoutMs: 60_000})
    await waitFor('containerd CRI to answer', () => cri.version().then((v) => v.runtimeName === 'containerd'), 30_000, 50)
    log(`node start -> CRI Version answering: ${Date.now() - t0} ms`)
    cgroupParent = (await nodeExec(name, ['cat', '/run/skiff/cgroup-parent'])).trim()
  })

  after(async () => {
    cri?.close()
    await sock?.close()
    await removeTestNode(name)
  })

  it('answers Version over runtime.v1 and reports no dockerd in the node', async () => {
    const v = await cri.version()
    assert.equal(v.runtimeName, 'containerd')
    assert.equal(v.runtimeApiVersion, 'v1')
    assert.match(v.runtimeVersion, /^1\.6\./)
    const procs = await nodeExec(name, ['ps', '-eo', 'comm'])
    assert.ok(!/^dockerd$/m.test(procs), `dockerd runs in a CRI node:\n${procs}`)
    const conf = await nodeExec(name, ['cat', '/run/skiff/containerd.toml'])
    assert.match(conf, /BinaryName = "\/usr\/bin\/crun"/)
  })

  it('is network-ready once the agent-written CNI config lands (no restart)', async () => {
    const before = await cri.status()
    assert.equal(before.find((c) => c.type === 'RuntimeReady')?.status, true)
    await nodeExec(name, ['sh', '-c', 'cat > /etc/cni/net.d/10-skiff.conflist'], JSON.stringify(cniConfig({podCIDR: POD_CIDR})))
    await waitFor('NetworkReady', async () => (await cri.status()).find((c) => c.type === 'NetworkReady')?.status, 20_000, 100)
  })

  it('serves the image service: pause and busybox imported into k8s.io, unknown images absent', async () => {
    const tPause = Date.now()
    await nodeExec(name, ['sh', '-c', pauseArchiveImportScript()])
    log(`pause image built and imported in the node: ${Date.now() - tPause} ms`)
    await importImage(name, BUSYBOX)
    const pause = await cri.imageStatus(PAUSE_IMAGE)
    assert.ok(pause, 'pause image missing after import')
    assert.deepEqual(pause.repoTags, [`docker.io/${PAUSE_IMAGE}`])
    assert.match(pause.id, /^sha256:[0-9a-f]{64}$/)
    const busybox = await cri.imageStatus(BUSYBOX)
    assert.ok(busybox && busybox.size > 0)
    assert.equal(await cri.imageStatus('skiff/absent:1'), undefined)
    const all = await cri.listImages()
    assert.ok(all.some((i) => i.id === busybox.id))
    await assert.rejects(cri.pullImage('skiff/absent:1'), /absent/)
  })

  it('runs a pod: sandbox with a CNI address, busybox httpd via crun, exec, status, CRI logs, stop and removal', async () => {
    const uid = `0000-cri-${process.pid}`
    const logDirectory = `/var/log/pods/default_web_${uid}`
    const labels = {'io.kubernetes.pod.uid': uid, 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default'}
    const sandboxConfig: PodSandboxConfig = {
      metadata: {name: 'web', uid, namespace: 'default', attempt: 0},
      hostname: 'web',
      logDirectory,
      dnsConfig: {servers: ['10.96.0.10'], searches: ['default.svc.cluster.local', 'svc.cluster.local'], options: ['ndots:5']},
      portMappings: [{protocol: 'TCP', containerPort: 80, hostPort: 8080}],
      labels,
      annotations: {'io.skiff.test': 'cri'},
      linux: {cgroupParent, securityContext: {namespaceOptions: {network: 'POD', pid: 'CONTAINER', ipc: 'POD'}}},
    }
    const t0 = Date.now()
    const sandboxId = await cri.runPodSandbox(sandboxConfig)
    const tSandbox = Date.now() - t0
    const sb = await cri.podSandboxStatus(sandboxId)
    assert.equal(sb.state, 'SANDBOX_READY')
    assert.match(sb.network?.ip ?? '', /^10\.244\.7\.\d+$/, 'pods get addresses from the node pod CIDR')
    assert.equal(sb.labels['io.kubernetes.pod.uid'], uid)
    assert.equal(sb.annotations['io.skiff.test'], 'cri')
    const podIP = sb.network!.ip
    assert.equal((await cri.listPodSandbox({labelSelector: {'io.kubernetes.pod.uid': uid}})).map((s) => s.id).join(), sandboxId)

    const t1 = Date.now()
    const containerId = await cri.createContainer(
      sandboxId,
      {
        metadata: {name: 'httpd', attempt: 0},
        image: {image: BUSYBOX},
        command: ['sh', '-c'],
        args: ['echo hello-from-cri; echo oops >&2; exec httpd -f -p 80 -h /www'],
        envs: [{key: 'GREETING', value: 'hi'}],
        labels: {...labels, 'io.kubernetes.container.name': 'httpd'},
        logPath: 'httpd/0.log',
        linux: {resources: {memoryLimitInBytes: 64 * 1024 * 1024, cpuShares: 256}, securityContext: {namespaceOptions: {network: 'POD', pid: 'CONTAINER', ipc: 'POD'}}},
      },
      sandboxConfig,
    )
    await cri.startContainer(containerId)
    log(`RunPodSandbox ${tSandbox} ms, CreateContainer+StartContainer ${Date.now() - t1} ms (pod IP ${podIP})`)

    const st = await cri.containerStatus(containerId)
    assert.equal(st.state, 'CONTAINER_RUNNING')
    assert.ok(st.startedAt > 0 && st.createdAt > 0 && st.startedAt >= st.createdAt)
    assert.equal(st.logPath, `${logDirectory}/httpd/0.log`)
    assert.equal(st.metadata?.name, 'httpd')
    const listed = await cri.listContainers({labelSelector: {'io.kubernetes.pod.uid': uid}})
    assert.deepEqual(
      listed.map((c) => [c.id, c.podSandboxId, c.state]),
      [[containerId, sandboxId, 'CONTAINER_RUNNING']],
    )

    // Exec: output, exit codes, env, and the container's cgroup nested under the node's.
    const page = await cri.execSync(containerId, ['cat', '/www/index.html'], 10)
    assert.equal(page.exitCode, 0)
    assert.match(page.stdout.toString(), /Hello from skiff/)
    assert.equal((await cri.execSync(containerId, ['sh', '-c', 'echo $GREETING; echo e >&2; exit 3'], 10)).exitCode, 3)
    const env = await cri.execSync(containerId, ['sh', '-c', 'echo $GREETING'], 10)
    assert.equal(env.stdout.toString().trim(), 'hi')
    const cg = (await cri.execSync(containerId, ['cat', '/proc/self/cgroup'], 10)).stdout.toString()
    const memCg = /:memory:(\S+)/.exec(cg)?.[1] ?? /^0::(\S+)/m.exec(cg)?.[1] ?? ''
    log(`container memory cgroup: ${memCg}`)
    if (cgroupParent !== '/pods') assert.ok(memCg.startsWith(`${cgroupParent}/`), `container cgroup ${memCg} is not under ${cgroupParent}`)
    const resolv = (await cri.execSync(containerId, ['cat', '/etc/resolv.conf'], 10)).stdout.toString()
    assert.match(resolv, /nameserver 10\.96\.0\.10/)
    assert.match(resolv, /search default\.svc\.cluster\.local svc\.cluster\.local/)

    // The pod answers on its address from the node (routing via the cni0 bridge), and on the hostPort.
    const fetchFromNode = (url: string) => nodeExec(name, ['node', '-e', `fetch(${JSON.stringify(url)}).then(r => r.text()).then(t => console.log(t))`])
    assert.match(await fetchFromNode(`http://${podIP}/`), /Hello from skiff/)
    const nodeIP = (await nodeExec(name, ['sh', '-c', "ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1"])).trim()
    assert.match(await fetchFromNode(`http://${nodeIP}:8080/`), /Hello from skiff/, 'hostPort via portmap')

    // The CRI log file, in the kubelet's format: <RFC 3339 nano time> <stream> <P|F> <line>.
    const logText = await waitFor(
      'the container log lines',
      async () => {
        const t = await nodeExec(name, ['cat', `${logDirectory}/httpd/0.log`])
        return t.includes('hello-from-cri') && t.includes('oops') ? t : undefined
      },
      10_000,
    )
    assert.match(logText, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) stdout F hello-from-cri$/m)
    assert.match(logText, /^\S+ stderr F oops$/m)

    // ctr shows what runs (the sandbox and the app container).
    const ctrList = await nodeExec(name, ['ctr', '-n', 'k8s.io', 'containers', 'ls', '-q'])
    assert.ok(ctrList.includes(containerId) && ctrList.includes(sandboxId), ctrList)

    // Stop: the container exits, the sandbox goes NotReady and releases its address; removal forgets both.
    await cri.stopContainer(containerId, 2)
    const stopped = await cri.containerStatus(containerId)
    assert.equal(stopped.state, 'CONTAINER_EXITED')
    assert.ok(stopped.finishedAt >= stopped.startedAt)
    await cri.stopPodSandbox(sandboxId)
    await cri.stopPodSandbox(sandboxId)
    assert.equal((await cri.podSandboxStatus(sandboxId)).state, 'SANDBOX_NOTREADY')
    await cri.removePodSandbox(sandboxId)
    await cri.removePodSandbox(sandboxId)
    assert.deepEqual(await cri.listPodSandbox({labelSelector: {'io.kubernetes.pod.uid': uid}}), [])
    assert.deepEqual(await cri.listContainers({podSandboxId: sandboxId}), [])
    await assert.rejects(cri.containerStatus(containerId), (err) => isNotFound(err))
    const leases = await nodeExec(name, ['sh', '-c', 'ls /run/skiff/cni-ipam/skiff 2>/dev/null | grep -c "^10\\." || true'])
    assert.equal(leases.trim(), '0', 'the sandbox address was released')
  })

  it("runs the pod worker's docker-shaped requests through CriRuntime: sandbox, container, exec, watch, stop, remove", async () => {
    const rt = new CriRuntime({client: cri, cgroupParent, pollMs: 100})
    const uid = `rt-${process.pid}`
    const app = {name: 'app', image: BUSYBOX, command: ['sh', '-c'], args: ['echo started $(MSG); exec sleep 3600'], volumeMounts: [{name: 'data', mountPath: '/data', readOnly: true}]}
    const pod = {metadata: {name: 'rt', namespace: 'default', uid}, spec: {containers: [app]}}
    const sbId = await rt.create(sandboxRequest(pod, 0))
    await rt.start(sbId)
    const [sb] = await rt.listPodContainers(uid)
    assert.equal(sb.id, sbId)
    assert.equal(sb.type, 'sandbox')
    assert.equal(sb.state, 'running')
    assert.match(sb.ip ?? '', /^10\.244\.7\.\d+$/)

    await nodeExec(name, ['sh', '-c', 'mkdir -p /tmp/rt-vol && echo from-volume > /tmp/rt-vol/file'])
    const req = containerRequest(pod, app, {sandboxID: sbId, type: 'app', restartCount: 0, env: new Map([['MSG', 'yo']]), volumes: new Map([['data', '/tmp/rt-vol']])})
    const id = await rt.create(req)
    await rt.start(id)
    const info = await rt.inspect(id)
    assert.equal(info?.state, 'running')
    assert.equal(info?.name, 'app')
    assert.equal(info?.type, 'app')
    assert.equal(info?.podUID, uid)
    assert.equal(info?.restartCount, 0)
    assert.ok(info?.startedAt && Date.parse(info.startedAt) > 0)
    assert.match(info?.imageID ?? '', /sha256:[0-9a-f]{64}/)
    assert.deepEqual(
      (await rt.listPodContainers(uid)).map((c) => c.type).sort(),
      ['app', 'sandbox'],
    )

    const r = await rt.exec(id, ['cat', '/data/file'], 5000)
    assert.deepEqual(r, {exitCode: 0, output: 'from-volume\n'})
    assert.notEqual((await rt.exec(id, ['sh', '-c', 'echo x > /data/file'], 5000)).exitCode, 0, 'read-only volume')
    assert.equal((await rt.exec(id, ['sleep', '5'], 1000)).timedOut, true)
    const logText = await nodeExec(name, ['cat', `/var/log/pods/default_rt_${uid}/app/0.log`])
    assert.match(logText, / stdout F started yo$/m)

    // watch reports the pod when its container dies.
    const abort = new AbortController()
    const seen: string[] = []
    rt.watch((u) => seen.push(u), abort.signal)
    await new Promise((res) => setTimeout(res, 300))
    await rt.stop(id, 1)
    await waitFor('watch to report the stopped container', async () => seen.includes(uid), 5000, 50)
    abort.abort()
    const dead = await rt.inspect(id)
    assert.equal(dead?.state, 'exited')
    assert.ok(dead?.finishedAt && dead.exitCode !== undefined && dead.exitCode !== 0)

    // A container whose command cannot run: start fails and the status says why.
    const bad = await rt.create(containerRequest(pod, {name: 'bad', image: BUSYBOX, command: ['/no/such/binary']}, {sandboxID: sbId, type: 'app', restartCount: 0, env: new Map(), volumes: new Map()}))
    await assert.rejects(rt.start(bad))
    const badInfo = await rt.inspect(bad)
    log(`failed start: state ${badInfo?.state}, exit ${badInfo?.exitCode}, error ${badInfo?.error}`)
    assert.notEqual(badInfo?.state, 'running')

    await rt.stop(sbId, 0)
    assert.equal((await rt.inspect(sbId))?.state, 'exited')
    await rt.remove(id)
    await rt.remove(bad)
    await rt.remove(sbId)
    await rt.remove(sbId)
    assert.deepEqual(await rt.listPodContainers(uid), [])
    assert.equal(await rt.inspect(id), undefined)
  })
})
