// End to end: admission webhooks served by a pod behind a Service: one refuses, one adds a label; with the pods gone, Ignore lets writes through and Fail refuses them.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {deleteClusterHard, kubectlFor, skiff} from '../helpers/cli.js'
import {createTestCa} from '../helpers/pki.js'
import {waitFor} from '../helpers/wait.js'
import {buildWebhookImage, WEBHOOK_IMAGE} from '../helpers/webhook-image.js'

const name = `wh${process.pid % 100000}`
const NS = 'hooks'
const SERVICE_DNS = `webhook.${NS}.svc`

describe('admission webhooks (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  let caBundle: string

  const applyJson = async (...objects: unknown[]) => {
    let out = ''
    for (const o of objects) {
      const r = await k.run(['apply', '-f', '-'], JSON.stringify(o))
      assert.equal(r.code, 0, r.stderr)
      out += r.stdout
    }
    return out
  }
  const configMap = (cmName: string, label: string) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: cmName, namespace: 'default', labels: {'webhook-e2e': label}}})
  const createCm = (cmName: string, label: string) => k.run(['create', '-f', '-'], JSON.stringify(configMap(cmName, label)))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-wh-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await buildWebhookImage()
    const res = await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig, '--no-switch-context'], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const loaded = await skiff(['image', 'load', WEBHOOK_IMAGE, '--name', name], {timeoutMs: 300_000})
    assert.equal(loaded.code, 0, loaded.stderr)
    const ca = await createTestCa()
    const serving = await ca.sign(`CN=${SERVICE_DNS}`, {server: true, dns: [SERVICE_DNS]})
    caBundle = Buffer.from(ca.cert).toString('base64')
    await applyJson(
      {apiVersion: 'v1', kind: 'Namespace', metadata: {name: NS}},
      {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'webhook', namespace: NS}, spec: {
        replicas: 1, selector: {matchLabels: {app: 'webhook'}},
        template: {metadata: {labels: {app: 'webhook'}}, spec: {containers: [{name: 'webhook', image: WEBHOOK_IMAGE, imagePullPolicy: 'IfNotPresent',
          ports: [{containerPort: 8443, name: 'https'}], env: [{name: 'TLS_CERT', value: serving.cert}, {name: 'TLS_KEY', value: serving.key}]}]}},
      }},
      {apiVersion: 'v1', kind: 'Service', metadata: {name: 'webhook', namespace: NS}, spec: {selector: {app: 'webhook'}, ports: [{port: 443, targetPort: 'https'}]}},
    )
    const rolled = await k.run(['-n', NS, 'rollout', 'status', 'deployment/webhook', '--timeout=180s'])
    assert.equal(rolled.code, 0, rolled.stderr)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  const hook = (hookName: string, path: string, failurePolicy: string, labels: string[]) => ({
    name: hookName, failurePolicy, sideEffects: 'None', admissionReviewVersions: ['v1'],
    clientConfig: {service: {name: 'webhook', namespace: NS, path}, caBundle},
    rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps']}],
    objectSelector: {matchExpressions: [{key: 'webhook-e2e', operator: 'In', values: labels}]},
  })

  it('a validating webhook served by a pod refuses what it refuses; a mutating one adds a label', async () => {
    const out = await applyJson(
      {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: {name: 'e2e-validate'},
        webhooks: [hook('validate.e2e.skiff.dev', '/validate', 'Fail', ['deny', 'allow', 'fail'])]},
      {apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: {name: 'e2e-mutate'},
        webhooks: [hook('mutate.e2e.skiff.dev', '/mutate', 'Ignore', ['allow', 'ignore'])]},
    )
    assert.match(out, /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/e2e-validate created/)
    assert.match((await k.run(['get', 'mutatingwebhookconfigurations'])).stdout, /^e2e-mutate\s+1\s+\d+s$/m)
    // The configurations reach the apiserver's cache through its watch: retry until the refusal shows.
    const refused = await waitFor('the validating webhook refuses', async () => {
      const r = await createCm('refused', 'deny')
      assert.notEqual(r.code, 0, 'webhook-e2e=deny must be refused')
      return r.stderr.includes('denied the request') ? r.stderr : undefined
    }, 60_000, 1000)
    assert.match(refused, /Error from server \(Forbidden\): error when creating "STDIN": configmaps "refused" is forbidden: admission webhook "validate\.e2e\.skiff\.dev" denied the request: the e2e webhook refuses webhook-e2e=deny/)
    const allowed = await createCm('allowed', 'allow')
    assert.equal(allowed.code, 0, allowed.stderr)
    const cm = await k.json(['get', 'configmap', 'allowed'])
    assert.deepEqual(cm.metadata.labels, {'webhook-e2e': 'allow', 'mutated-by': 'webhook'})
    const logs = await k.run(['-n', NS, 'logs', 'deployment/webhook'])
    assert.match(logs.stdout, /\/validate CREATE default\/refused/)
    assert.match(logs.stdout, /\/mutate CREATE default\/allowed/)
  })

  it('with the webhook scaled to 0, failurePolicy Ignore lets writes through and Fail refuses them', async () => {
    const scaled = await k.run(['-n', NS, 'scale', 'deployment/webhook', '--replicas=0'])
    assert.equal(scaled.code, 0, scaled.stderr)
    await waitFor('no webhook endpoints', async () => {
      const ep = await k.json(['-n', NS, 'get', 'endpoints', 'webhook'])
      return (ep.subsets ?? []).every((s: {addresses?: unknown[]}) => (s.addresses ?? []).length === 0)
    }, 120_000, 1000)
    const ignored = await createCm('ignored', 'ignore')
    assert.equal(ignored.code, 0, ignored.stderr)
    const cm = await k.json(['get', 'configmap', 'ignored'])
    assert.deepEqual(cm.metadata.labels, {'webhook-e2e': 'ignore'}, 'the unreachable mutating webhook (Ignore) changed nothing')
    const failed = await createCm('failed', 'fail')
    assert.notEqual(failed.code, 0, 'the unreachable validating webhook (Fail) must refuse')
    assert.match(failed.stderr, /Error from server \(InternalError\): error when creating "STDIN": Internal error occurred: failed calling webhook "validate\.e2e\.skiff\.dev": failed to call webhook: Post "https:\/\/webhook\.hooks\.svc:443\/validate\?timeout=10s": no endpoints available for service "webhook"/)
    const absent = await k.run(['get', 'configmap', 'failed'])
    assert.notEqual(absent.code, 0)
  })
})
