// End to end: pods get their ServiceAccount's token in kube-api-access-*, and a pod running as `robot` talks HTTPS to kubernetes.default.svc under RBAC.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, repo, run, skiff} from '../helpers/cli.js'
import {ensureBusyboxImage} from '../helpers/images.js'
import {waitFor} from '../helpers/wait.js'

const name = `sat${process.pid % 100000}`
/** Busybox plus the openssl CLI: busybox's own TLS client sends no signature_algorithms, which OpenSSL servers refuse. */
const IMAGE = 'skiff/busybox-tls:test'
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'

const pod = (podName: string, extra: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${podName}, namespace: t}
spec:
  terminationGracePeriodSeconds: 1
${extra}  containers:
  - name: main
    image: ${IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sleep", "3600"]
`

/** An HTTP/1.0 GET (no chunked body) with the mounted token, over TLS checked against the mounted ca.crt and the name kubernetes.default.svc. */
const inPodGet = (path: string) => [
  'sh', '-c',
  `printf 'GET ${path} HTTP/1.0\\r\\nHost: kubernetes.default.svc\\r\\nAuthorization: Bearer %s\\r\\nAccept: application/json\\r\\n\\r\\n' "$(cat ${SA_DIR}/token)" | ` +
  `openssl s_client -quiet -connect kubernetes.default.svc:443 -servername kubernetes.default.svc -verify_hostname kubernetes.default.svc -verify_return_error -CAfile ${SA_DIR}/ca.crt 2>/dev/null`,
]

/** Splits a raw HTTP response into its status code and parsed JSON body. */
function parseResponse(raw: string): {status: number; body: any} {
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1])
  const at = raw.indexOf('\r\n\r\n')
  assert.ok(at > 0, `no HTTP response in: ${raw}`)
  return {status, body: JSON.parse(raw.slice(at + 4))}
}

function claims(jwt: string): any {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())
}

describe('service-account tokens in pods (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let clusterCA: string

  const ok = async (args: string[], input?: string) => {
    const r = await k.run(args, input)
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`)
    return r.stdout
  }
  const exec = (podName: string, cmd: string[]) => k.run(['exec', '-n', 't', podName, '--', ...cmd])

  before(async () => {
    await ensureBusyboxImage()
    const built = await run(join(repo, 'scripts/build-tls-client-image.sh'), [IMAGE], {timeoutMs: 300_000})
    assert.equal(built.code, 0, `building ${IMAGE}: ${built.stderr}`)
    dir = await mkdtemp(join(tmpdir(), 'skiff-sat-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const res = await skiff(['cluster', 'create', name, '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const load = await skiff(['image', 'load', IMAGE, '--name', name])
    assert.equal(load.code, 0, load.stderr)
    const caData = await ok(['config', 'view', '--raw', '--minify', '-o', 'jsonpath={.clusters[0].cluster.certificate-authority-data}'])
    clusterCA = Buffer.from(caData.trim(), 'base64').toString()
    for (const args of [
      ['create', 'namespace', 't'],
      ['create', 'serviceaccount', 'robot', '-n', 't'],
      ['create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods', '-n', 't'],
      ['create', 'rolebinding', 'robot-reads-pods', '--role=pod-reader', '--serviceaccount=t:robot', '-n', 't'],
    ]) await ok(args)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('every namespace has kube-root-ca.crt with the cluster CA; it comes back when deleted and is put right when edited', async () => {
    const caOf = async () => {
      const r = await k.run(['get', 'configmap', 'kube-root-ca.crt', '-n', 't', '-o', 'json'])
      return r.code === 0 ? JSON.parse(r.stdout).data?.['ca.crt'] : undefined
    }
    await waitFor('kube-root-ca.crt in t', async () => (await caOf()) === clusterCA, 30_000, 200)
    await ok(['delete', 'configmap', 'kube-root-ca.crt', '-n', 't'])
    await waitFor('kube-root-ca.crt recreated', async () => (await caOf()) === clusterCA, 30_000, 200)
    await ok(['patch', 'configmap', 'kube-root-ca.crt', '-n', 't', '--type', 'merge', '-p', '{"data":{"ca.crt":"tampered"}}'])
    await waitFor('kube-root-ca.crt repaired', async () => (await caOf()) === clusterCA, 30_000, 200)
  })

  it('a pod running as robot gets the kube-api-access volume, its files, and the KUBERNETES_SERVICE_* variables', async () => {
    await ok(['apply', '-f', '-'], pod('client', '  serviceAccountName: robot\n'))
    await ok(['wait', '-n', 't', '--for=condition=Ready', 'pod/client', '--timeout=180s'])
    const p = JSON.parse(await ok(['get', 'pod', 'client', '-n', 't', '-o', 'json']))
    assert.equal(p.spec.serviceAccountName, 'robot')
    const vol = p.spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'))
    assert.match(vol.name, /^kube-api-access-[a-z0-9]{5}$/)
    assert.deepEqual(vol.projected, {defaultMode: 420, sources: [
      {serviceAccountToken: {path: 'token', expirationSeconds: 3607}},
      {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
      {downwardAPI: {items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}]}},
    ]})
    assert.deepEqual(p.spec.containers[0].volumeMounts, [{name: vol.name, readOnly: true, mountPath: SA_DIR}])

    const ls = await exec('client', ['ls', SA_DIR])
    assert.equal(ls.code, 0, ls.stderr)
    assert.deepEqual(ls.stdout.trim().split(/\s+/).sort(), ['ca.crt', 'namespace', 'token'])
    assert.equal((await exec('client', ['cat', `${SA_DIR}/namespace`])).stdout, 't')
    assert.equal((await exec('client', ['cat', `${SA_DIR}/ca.crt`])).stdout, clusterCA)
    const token = (await exec('client', ['cat', `${SA_DIR}/token`])).stdout
    const c = claims(token)
    assert.equal(c.sub, 'system:serviceaccount:t:robot')
    assert.equal(c['kubernetes.io'].pod.name, 'client')
    assert.equal(c['kubernetes.io'].pod.uid, p.metadata.uid)
    assert.ok(c.exp - c.iat >= 3607, `lifetime ${c.exp - c.iat}s`)

    const svcIP = (await ok(['get', 'service', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}'])).trim()
    const env = await exec('client', ['sh', '-c', 'echo "$KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT $KUBERNETES_PORT"'])
    assert.equal(env.stdout.trim(), `${svcIP} 443 tcp://${svcIP}:443`)
  })

  it('with its mounted token, robot lists pods in t over HTTPS to kubernetes.default.svc and gets 403 for secrets', async () => {
    const pods = await exec('client', inPodGet('/api/v1/namespaces/t/pods'))
    const listed = parseResponse(pods.stdout)
    assert.equal(listed.status, 200, pods.stdout)
    assert.equal(listed.body.kind, 'PodList')
    assert.ok(listed.body.items.some((i: any) => i.metadata.name === 'client'))

    const secrets = await exec('client', inPodGet('/api/v1/namespaces/t/secrets'))
    const denied = parseResponse(secrets.stdout)
    assert.equal(denied.status, 403, secrets.stdout)
    assert.equal(denied.body.reason, 'Forbidden')
    assert.equal(denied.body.message, 'secrets is forbidden: User "system:serviceaccount:t:robot" cannot list resource "secrets" in API group "" in the namespace "t"')
  })

  it("from a pod, the agent's https://<node IP>:10250/pods answers 401 without credentials (curl -k alike: no verification)", async () => {
    const pod = await k.json(['get', 'pod', 'client', '-n', 't'])
    const hostIP = pod.status.hostIP as string
    const raw = await exec('client', ['sh', '-c', `printf 'GET /pods HTTP/1.0\\r\\nHost: ${hostIP}\\r\\n\\r\\n' | openssl s_client -quiet -connect ${hostIP}:10250 2>/dev/null`])
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw.stdout)?.[1])
    assert.equal(status, 401, raw.stdout + raw.stderr)
  })

  it('automountServiceAccountToken: false leaves the pod without the volume; an unknown ServiceAccount is refused', async () => {
    await ok(['apply', '-f', '-'], pod('noauto', '  automountServiceAccountToken: false\n'))
    const p = JSON.parse(await ok(['get', 'pod', 'noauto', '-n', 't', '-o', 'json']))
    assert.equal(p.spec.serviceAccountName, 'default')
    assert.ok(!(p.spec.volumes ?? []).some((v: any) => v.name.startsWith('kube-api-access-')))
    assert.equal(p.spec.containers[0].volumeMounts, undefined)
    await ok(['wait', '-n', 't', '--for=condition=Ready', 'pod/noauto', '--timeout=180s'])
    const ls = await exec('noauto', ['ls', SA_DIR])
    assert.notEqual(ls.code, 0, `nothing mounted at ${SA_DIR}: ${ls.stdout}`)

    const ghost = await k.run(['apply', '-f', '-'], pod('ghost', '  serviceAccountName: ghost\n'))
    assert.notEqual(ghost.code, 0)
    assert.match(ghost.stderr, /pods "ghost" is forbidden: error looking up service account t\/ghost: serviceaccount "ghost" not found/)
  })
})
