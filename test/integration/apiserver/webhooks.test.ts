// Admission webhooks and ValidatingAdmissionPolicy with real kubectl: an HTTPS webhook on 127.0.0.1 refuses, mutates, warns; Ignore vs Fail when it is down; timeouts; CEL policies.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import https from 'node:https'
import type {AddressInfo} from 'node:net'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import {createTestCa} from '../../helpers/pki.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

interface Review {
  request: {uid: string; operation: string; name: string; namespace?: string; dryRun: boolean; userInfo: {username: string}; object?: {metadata: {labels?: Record<string, string>}}}
}

/** A test webhook: /validate refuses objects labelled deny=yes, /mutate adds mutated=true, /slow answers after 3s. */
async function startWebhook(cert: {cert: string; key: string}): Promise<{port: number; reviews: Review[]; close(): Promise<void>}> {
  const reviews: Review[] = []
  const server = https.createServer({cert: cert.cert, key: cert.key}, (req, res) => {
    let body = ''
    req.on('data', (d) => { body += d })
    req.on('end', () => {
      const review = JSON.parse(body) as Review
      reviews.push(review)
      const labels = review.request.object?.metadata.labels
      const answer = (response: Record<string, unknown>) => {
        res.setHeader('Content-Type', 'application/json')
        res.end(JSON.stringify({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: {uid: review.request.uid, ...response}}))
      }
      const path = (req.url ?? '').split('?')[0]
      if (path === '/validate') {
        if (labels?.deny === 'yes' || labels?.refuse === 'yes' || labels?.nsdeny === 'yes') return answer({allowed: false, status: {message: 'labels deny=yes are refused'}})
        return answer({allowed: true, warnings: ['checked by the test webhook']})
      }
      if (path === '/mutate') {
        const patch = labels ? [{op: 'add', path: '/metadata/labels/mutated', value: 'true'}] : [{op: 'add', path: '/metadata/labels', value: {mutated: 'true'}}]
        return answer({allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64')})
      }
      // Reinvocation: A marks what it saw; B adds a label after A, so A (IfNeeded) is called again and sees it.
      if (path === '/mutate-a' || path === '/mutate-b') {
        const [key, value] = path === '/mutate-b' ? ['b', '1'] : labels?.b ? ['a-saw-b', 'true'] : ['a', '1']
        const patch = [{op: 'add', path: `/metadata/labels/${key}`, value}]
        return answer({allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64')})
      }
      if (path === '/slow') return void setTimeout(() => answer({allowed: true}), 3000)
      res.statusCode = 404
      res.end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {port: (server.address() as AddressInfo).port, reviews, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()) })}
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const hook = (name: string, url: string, ca: string, extra: string) => `- name: ${name}
  clientConfig: {url: "${url}", caBundle: ${Buffer.from(ca).toString('base64')}}
  rules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
  sideEffects: None
  admissionReviewVersions: [v1]
${extra}`

describe('admission webhooks and policies (etcd, kubectl)', function () {
  this.timeout(90_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let webhook: Awaited<ReturnType<typeof startWebhook>>
  let dir: string
  let ca: Awaited<ReturnType<typeof createTestCa>>
  const args = () => ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')]
  const kubectl = async (...a: string[]) => (await run('kubectl', [...args(), ...a]))
  const kubectlFails = async (...a: string[]) => {
    const e = await run('kubectl', [...args(), ...a]).then(() => undefined, (err: {stderr?: string}) => err)
    assert.ok(e, `kubectl ${a.join(' ')} should fail`)
    return String(e.stderr)
  }
  const apply = async (name: string, yaml: string) => {
    await writeFile(join(dir, name), yaml)
    return (await kubectl('apply', '-f', join(dir, name))).stdout
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store)
    dir = await mkdtemp(join(tmpdir(), 'skiff-webhooks-'))
    await writeKubeconfig(join(dir, 'config'), server)
    ca = await createTestCa()
    webhook = await startWebhook(await ca.sign('CN=webhook', {server: true}))
  })
  after(async () => {
    await webhook?.close()
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('serves the configurations: defaults, the WEBHOOKS column, and refuses one without sideEffects', async () => {
    const base = `https://127.0.0.1:${webhook.port}`
    const out = await apply('hooks.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: deny-labelled}
webhooks:
${hook('deny.skiff.test', `${base}/validate`, ca.cert, '  objectSelector: {matchExpressions: [{key: deny, operator: Exists}]}')}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: add-label}
webhooks:
${hook('mutate.skiff.test', `${base}/mutate`, ca.cert, '  objectSelector: {matchLabels: {mutate: please}}')}
`)
    assert.match(out, /validatingwebhookconfiguration\.admissionregistration\.k8s\.io\/deny-labelled created/)
    assert.match(out, /mutatingwebhookconfiguration\.admissionregistration\.k8s\.io\/add-label created/)
    assert.match((await kubectl('get', 'validatingwebhookconfigurations')).stdout, /^NAME\s+WEBHOOKS\s+AGE\ndeny-labelled\s+1\s+\d+s$/m)
    const m = JSON.parse((await kubectl('get', 'mutatingwebhookconfiguration', 'add-label', '-o', 'json')).stdout)
    const w = m.webhooks[0]
    assert.deepEqual([w.failurePolicy, w.matchPolicy, w.timeoutSeconds, w.reinvocationPolicy, w.rules[0].scope, w.namespaceSelector], ['Fail', 'Equivalent', 10, 'Never', '*', {}])
    await writeFile(join(dir, 'bad.yaml'), `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: bad}
webhooks:
- name: bad.skiff.test
  clientConfig: {url: "${base}/validate"}
  admissionReviewVersions: [v1]
`)
    assert.match(await kubectlFails('create', '-f', join(dir, 'bad.yaml')),
      /The ValidatingWebhookConfiguration "bad" is invalid: webhooks\[0\]\.sideEffects: Required value: must specify one of None, NoneOnDryRun/)
  })

  it('the validating webhook refuses what it refuses, with its message; others pass with its warning', async () => {
    await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: refused, labels: {deny: "yes"}}\ndata: {a: b}\n')
    const err = await waitFor('refusal', async () => {
      const e = await kubectlFails('apply', '-f', join(dir, 'cm.yaml')).catch(() => '')
      return e.includes('denied') ? e : undefined
    }, 10_000)
    assert.match(err, /Error from server \(Forbidden\): error when creating ".*cm\.yaml": configmaps "refused" is forbidden: admission webhook "deny\.skiff\.test" denied the request: labels deny=yes are refused/)
    const review = webhook.reviews.find((r) => r.request.name === 'refused')!
    assert.equal(review.request.operation, 'CREATE')
    assert.equal(review.request.namespace, 'default')
    assert.equal(review.request.userInfo.username, 'admin')
    // A dry run is refused too (the webhook has no side effects, so it is called).
    assert.match(await kubectlFails('apply', '-f', join(dir, 'cm.yaml'), '--dry-run=server'), /denied the request: labels deny=yes are refused/)
    await writeFile(join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: allowed, labels: {deny: "no"}}\n')
    const ok = await kubectl('apply', '-f', join(dir, 'ok.yaml'))
    assert.match(ok.stdout, /configmap\/allowed created/)
    assert.match(ok.stderr, /Warning: checked by the test webhook/)
    // Objects outside the objectSelector are not sent.
    const before = webhook.reviews.length
    await kubectl('create', 'configmap', 'unlabelled')
    assert.equal(webhook.reviews.filter((r) => r.request.name === 'unlabelled').length, 0)
    assert.equal(webhook.reviews.length, before)
  })

  it('the mutating webhook adds a label with a JSONPatch, on create and update', async () => {
    await writeFile(join(dir, 'mut.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: mutated, labels: {mutate: please}}\n')
    await kubectl('apply', '-f', join(dir, 'mut.yaml'))
    const cm = JSON.parse((await kubectl('get', 'configmap', 'mutated', '-o', 'json')).stdout)
    assert.deepEqual(cm.metadata.labels, {mutate: 'please', mutated: 'true'})
    await kubectl('label', 'configmap', 'mutated', 'mutated-', 'extra=1')
    const again = JSON.parse((await kubectl('get', 'configmap', 'mutated', '-o', 'json')).stdout)
    assert.deepEqual(again.metadata.labels, {mutate: 'please', mutated: 'true', extra: '1'})
  })

  it('reinvocationPolicy IfNeeded calls a mutating webhook again when a later one changed the object', async () => {
    const base = `https://127.0.0.1:${webhook.port}`
    await apply('reinvoke.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: a-first}
webhooks:
${hook('a.skiff.test', `${base}/mutate-a`, ca.cert, '  reinvocationPolicy: IfNeeded\n  objectSelector: {matchLabels: {reinvoke: "yes"}}')}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: b-second}
webhooks:
${hook('b.skiff.test', `${base}/mutate-b`, ca.cert, '  objectSelector: {matchLabels: {reinvoke: "yes"}}')}
`)
    await writeFile(join(dir, 're.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: reinvoked, labels: {reinvoke: "yes"}}\n')
    const labels = await waitFor('both mutating webhooks in effect', async () => {
      await kubectl('delete', 'configmap', 'reinvoked', '--ignore-not-found')
      await kubectl('apply', '-f', join(dir, 're.yaml'))
      const cm = JSON.parse((await kubectl('get', 'configmap', 'reinvoked', '-o', 'json')).stdout)
      return cm.metadata.labels.b ? cm.metadata.labels : undefined
    }, 10_000)
    assert.deepEqual(labels, {reinvoke: 'yes', a: '1', b: '1', 'a-saw-b': 'true'})
  })

  it('matchConditions (CEL) skip a webhook for the requests they exclude', async () => {
    await apply('cond.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: conditional}
webhooks:
${hook('cond.skiff.test', `https://127.0.0.1:${webhook.port}/validate`, ca.cert, `  objectSelector: {matchExpressions: [{key: refuse, operator: Exists}]}
  matchConditions: [{name: not-exempt, expression: "object.metadata.name != 'exempt'"}]`)}
`)
    await writeFile(join(dir, 'refuse.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: refused-too, labels: {refuse: "yes"}}\n')
    const err = await waitFor('conditional webhook in effect', async () => {
      const e = await kubectlFails('apply', '-f', join(dir, 'refuse.yaml')).catch(() => '')
      return e.includes('denied') ? e : undefined
    }, 10_000)
    assert.match(err, /admission webhook "cond\.skiff\.test" denied the request: labels deny=yes are refused/)
    await writeFile(join(dir, 'exempt.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: exempt, labels: {refuse: "yes"}}\n')
    assert.match((await kubectl('apply', '-f', join(dir, 'exempt.yaml'))).stdout, /configmap\/exempt created/)
  })

  it('namespaceSelector limits a webhook to namespaces whose labels match', async () => {
    await apply('nssel.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: by-namespace}
webhooks:
${hook('ns.skiff.test', `https://127.0.0.1:${webhook.port}/validate`, ca.cert, `  objectSelector: {matchExpressions: [{key: nsdeny, operator: Exists}]}
  namespaceSelector: {matchLabels: {hooked: "true"}}`)}
`)
    await kubectl('create', 'namespace', 'hooked')
    await kubectl('label', 'namespace', 'hooked', 'hooked=true')
    await writeFile(join(dir, 'nsdeny.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nsdeny, labels: {nsdeny: "yes"}}\n')
    const err = await waitFor('namespace-scoped webhook in effect', async () => {
      const e = await kubectlFails('-n', 'hooked', 'apply', '-f', join(dir, 'nsdeny.yaml')).catch(() => '')
      return e.includes('denied') ? e : undefined
    }, 10_000)
    assert.match(err, /admission webhook "ns\.skiff\.test" denied the request/)
    assert.match((await kubectl('-n', 'default', 'apply', '-f', join(dir, 'nsdeny.yaml'))).stdout, /configmap\/nsdeny created/)
  })

  it('with the webhook down, failurePolicy Ignore lets writes through and Fail refuses them with the call error', async () => {
    const port = await deadPort()
    const url = `https://127.0.0.1:${port}/validate`
    await apply('down.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: down}
webhooks:
${hook('ignore.skiff.test', url, ca.cert, '  failurePolicy: Ignore\n  objectSelector: {matchLabels: {policy: ignore}}')}
${hook('fail.skiff.test', url, ca.cert, '  failurePolicy: Fail\n  objectSelector: {matchLabels: {policy: fail}}')}
`)
    await writeFile(join(dir, 'fail.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: failing, labels: {policy: fail}}\n')
    const err = await waitFor('Fail in effect', async () => {
      const e = await kubectlFails('apply', '-f', join(dir, 'fail.yaml')).catch(() => '')
      return e.includes('failed calling webhook') ? e : undefined
    }, 10_000)
    assert.match(err, new RegExp(`Error from server \\(InternalError\\): error when creating ".*fail\\.yaml": Internal error occurred: failed calling webhook "fail\\.skiff\\.test": failed to call webhook: Post "https://127\\.0\\.0\\.1:${port}/validate\\?timeout=10s": dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused`))
    await writeFile(join(dir, 'ignore.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignoring, labels: {policy: ignore}}\n')
    assert.match((await kubectl('apply', '-f', join(dir, 'ignore.yaml'))).stdout, /configmap\/ignoring created/)
  })

  it('a webhook slower than timeoutSeconds fails the write (Fail) after the timeout', async () => {
    await apply('slow.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: slow}
webhooks:
${hook('slow.skiff.test', `https://127.0.0.1:${webhook.port}/slow`, ca.cert, '  timeoutSeconds: 1\n  objectSelector: {matchLabels: {speed: slow}}')}
`)
    await writeFile(join(dir, 'slowcm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: slowcm, labels: {speed: slow}}\n')
    const err = await waitFor('timeout in effect', async () => {
      const t0 = Date.now()
      const e = await kubectlFails('apply', '-f', join(dir, 'slowcm.yaml')).catch(() => '')
      return e.includes('failed calling webhook') ? {e, ms: Date.now() - t0} : undefined
    }, 15_000)
    assert.match(err.e, /failed calling webhook "slow\.skiff\.test": failed to call webhook: Post "https:\/\/127\.0\.0\.1:\d+\/slow\?timeout=1s": context deadline exceeded/)
    assert.ok(err.ms < 2900, `refused after ${err.ms}ms, before the webhook's 3s answer`)
  })

  it('a webhook whose certificate does not chain to caBundle is a call failure', async () => {
    const other = await createTestCa()
    await apply('wrongca.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: wrong-ca}
webhooks:
${hook('wrongca.skiff.test', `https://127.0.0.1:${webhook.port}/validate`, other.cert, '  objectSelector: {matchLabels: {ca: wrong}}')}
`)
    const err = await waitFor('wrong CA in effect', async () => {
      await writeFile(join(dir, 'wrongca-cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wrongca, labels: {ca: wrong}}\n')
      const f = await kubectlFails('apply', '-f', join(dir, 'wrongca-cm.yaml')).catch(() => '')
      return f.includes('failed calling webhook') ? f : undefined
    }, 10_000)
    assert.match(err, /failed calling webhook "wrongca\.skiff\.test": failed to call webhook: Post ".*": tls: failed to verify certificate: x509: certificate signed by unknown authority/)
  })

  it('a ValidatingAdmissionPolicy with a Deny binding refuses with its message; a Warn binding only warns', async () => {
    await apply('vap.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-keys}
spec:
  matchConstraints:
    resourceRules: [{operations: [CREATE, UPDATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
  validations:
  - expression: "!has(object.data) || size(object.data) <= 2"
    messageExpression: "'at most 2 keys, got ' + string(size(object.data))"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-keys-deny}
spec:
  policyName: max-keys
  validationActions: [Deny]
  matchResources: {namespaceSelector: {matchLabels: {strict: "true"}}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-keys-warn}
spec:
  policyName: max-keys
  validationActions: [Warn]
`)
    await kubectl('create', 'namespace', 'strict')
    await kubectl('label', 'namespace', 'strict', 'strict=true')
    const err = await waitFor('policy in effect', async () => {
      const e = await kubectlFails('-n', 'strict', 'create', 'configmap', 'big', '--from-literal=a=1', '--from-literal=b=2', '--from-literal=c=3').catch(() => '')
      return e.includes('ValidatingAdmissionPolicy') ? e : undefined
    }, 10_000)
    assert.match(err, /error: failed to create configmap: configmaps "big" is forbidden: ValidatingAdmissionPolicy 'max-keys' with binding 'max-keys-deny' denied request: at most 2 keys, got 3/)
    const warned = await kubectl('create', 'configmap', 'big', '--from-literal=a=1', '--from-literal=b=2', '--from-literal=c=3')
    assert.match(warned.stdout, /configmap\/big created/)
    assert.match(warned.stderr, /Warning: Validation failed for ValidatingAdmissionPolicy 'max-keys' with binding 'max-keys-warn': at most 2 keys, got 3/)
    assert.match((await kubectl('get', 'validatingadmissionpolicybindings')).stdout, /NAME\s+POLICYNAME\s+PARAMREF\s+AGE\nmax-keys-deny\s+max-keys\s+<unset>/)
    assert.match((await kubectl('get', 'validatingadmissionpolicies')).stdout, /NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\nmax-keys\s+1\s+<unset>/)
  })

  it('a policy reads its params (paramKind ConfigMap, paramRef by name), and a missing param with Deny refuses', async () => {
    await apply('param-policy.yaml', `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: limited-keys}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [configmaps]}]
    objectSelector: {matchLabels: {limited: "yes"}}
  validations:
  - expression: "size(object.data) <= int(params.data.maxKeys)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: limited-keys-binding}
spec:
  policyName: limited-keys
  validationActions: [Deny]
  paramRef: {name: limits, namespace: default, parameterNotFoundAction: Deny}
`)
    await writeFile(join(dir, 'limited.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limited, labels: {limited: "yes"}}\ndata: {a: "1", b: "2"}\n')
    const missing = await waitFor('param policy in effect', async () => {
      const e = await kubectlFails('apply', '-f', join(dir, 'limited.yaml')).catch(() => '')
      return e.includes('limited-keys') ? e : undefined
    }, 10_000)
    assert.match(missing, /ValidatingAdmissionPolicy 'limited-keys' with binding 'limited-keys-binding' denied request: failed to configure binding: no params found/)
    await kubectl('create', 'configmap', 'limits', '--from-literal=maxKeys=1')
    assert.match(await kubectlFails('apply', '-f', join(dir, 'limited.yaml')),
      // kubectl prints a 422 with causes as Kubernetes' docs show it: `The configmaps "x" is invalid: : ValidatingAdmissionPolicy ...`.
      /The configmaps "limited" is invalid: : ValidatingAdmissionPolicy 'limited-keys' with binding 'limited-keys-binding' denied request: failed expression: size\(object\.data\) <= int\(params\.data\.maxKeys\)/)
    await kubectl('create', 'configmap', 'limits', '--from-literal=maxKeys=2', '--dry-run=client', '-o', 'yaml').then(async (r) => {
      await writeFile(join(dir, 'limits.yaml'), r.stdout)
      await kubectl('apply', '-f', join(dir, 'limits.yaml'))
    })
    assert.match((await kubectl('apply', '-f', join(dir, 'limited.yaml'))).stdout, /configmap\/limited created/)
  })
})
