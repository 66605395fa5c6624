// CustomResourceDefinitions with real kubectl: the docs' CronTab CRD is served, printed, and cleaned up on delete.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {startTestServer, writeKubeconfig, type TestServer} from '../../helpers/apiserver.js'
import {waitFor} from '../../helpers/wait.js'

const run = promisify(execFile)

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              image: {type: string}
              replicas: {type: integer, minimum: 1, maximum: 10}
            x-kubernetes-validations:
            - rule: "self.cronSpec.size() > 0"
              message: cronSpec must not be empty
          status:
            type: object
            properties:
              replicas: {type: integer}
              labelSelector: {type: string}
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.labelSelector}
    additionalPrinterColumns:
    - name: Spec
      type: string
      description: The cron spec defining the interval a CronJob is run
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
`

const CRONTAB = `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: my-new-cron-object
spec:
  cronSpec: "* * * * */5"
  image: my-awesome-cron-image
  replicas: 2
`

describe('CustomResourceDefinitions (etcd, kubectl)', function () {
  this.timeout(60_000)
  let etcd: TestEtcd
  let store: EtcdStore
  let server: TestServer
  let dir: string
  const args = () => ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache')]
  const kubectl = async (...a: string[]) => (await run('kubectl', [...args(), ...a])).stdout
  const kubectlFails = async (...a: string[]) => {
    const e = await run('kubectl', [...args(), ...a]).then(() => undefined, (err: {stderr?: string}) => err)
    assert.ok(e, `kubectl ${a.join(' ')} should fail`)
    return String(e.stderr)
  }

  before(async () => {
    etcd = await startEtcd()
    store = new EtcdStore({hosts: etcd.endpoint})
    server = await startTestServer(store)
    dir = await mkdtemp(join(tmpdir(), 'skiff-crd-'))
    await writeKubeconfig(join(dir, 'config'), server)
    await writeFile(join(dir, 'crd.yaml'), CRD)
    await writeFile(join(dir, 'crontab.yaml'), CRONTAB)
  })
  after(async () => {
    await server?.close()
    await store?.close()
    await etcd?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('a CRD whose name is not plural.group, or without one storage version, is refused', async () => {
    const bad = CRD.replace('name: crontabs.stable.example.com', 'name: crontab.stable.example.com')
    await writeFile(join(dir, 'bad.yaml'), bad)
    assert.match(await kubectlFails('apply', '-f', join(dir, 'bad.yaml')), /metadata\.name: Invalid value: "crontab\.stable\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/)
    await writeFile(join(dir, 'bad.yaml'), CRD.replace('storage: true', 'storage: false'))
    assert.match(await kubectlFails('apply', '-f', join(dir, 'bad.yaml')), /must have exactly one version marked as storage version/)
  })

  it('applies the CronTab CRD: Established, discovery shows the group, kubectl get prints the printer columns', async () => {
    assert.match(await kubectl('apply', '-f', join(dir, 'crd.yaml')), /customresourcedefinition\.apiextensions\.k8s\.io\/crontabs\.stable\.example\.com created/)
    await waitFor('crd', async () => {
      const crd = JSON.parse(await kubectl('get', 'crd', 'crontabs.stable.example.com', '-o', 'json'))
      return crd.status?.conditions?.some((c: {type: string; status: string}) => c.type === 'Established' && c.status === 'True')
    }, 10_000)
    const crd = JSON.parse(await kubectl('get', 'crd', 'crontabs.stable.example.com', '-o', 'json'))
    assert.deepEqual(crd.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io'])
    assert.deepEqual(crd.status.storedVersions, ['v1'])
    assert.equal(crd.status.acceptedNames.kind, 'CronTab')
    assert.ok(crd.status.conditions.some((c: {type: string; status: string}) => c.type === 'NamesAccepted' && c.status === 'True'))
    assert.match(await kubectl('api-versions'), /^stable\.example\.com\/v1$/m)
    assert.match(await kubectl('api-resources', '--api-group=stable.example.com'), /crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab/)
    assert.match(await kubectl('get', 'crd'), /crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT/)

    assert.match(await kubectl('apply', '-f', join(dir, 'crontab.yaml')), /crontab\.stable\.example\.com\/my-new-cron-object created/)
    const table = await kubectl('get', 'crontabs')
    assert.match(table, /^NAME\s+SPEC\s+REPLICAS\s+AGE$/m)
    assert.match(table, /^my-new-cron-object\s+\* \* \* \* \*\/5\s+2\s+\d+s$/m)
    assert.match(await kubectl('get', 'ct'), /my-new-cron-object/)
    const explain = await kubectl('explain', 'crontab.spec')
    assert.match(explain, /KIND:\s+CronTab/)
    assert.match(explain, /cronSpec\s+<string>/)
    assert.match(explain, /replicas\s+<integer>/)
    const ct = JSON.parse(await kubectl('get', 'crontab', 'my-new-cron-object', '-o', 'json'))
    assert.equal(ct.spec.image, 'my-awesome-cron-image')
    assert.equal(ct.apiVersion, 'stable.example.com/v1')
    // status and scale subresources: the main resource ignores status, scale writes spec.replicas.
    await kubectl('patch', 'ct', 'my-new-cron-object', '--type=merge', '-p', '{"status":{"replicas":9}}')
    assert.equal(JSON.parse(await kubectl('get', 'ct', 'my-new-cron-object', '-o', 'json')).status, undefined)
    await kubectl('patch', 'ct', 'my-new-cron-object', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":2,"labelSelector":"app=cron"}}')
    const scale = JSON.parse(await kubectl('get', '--raw', '/apis/stable.example.com/v1/namespaces/default/crontabs/my-new-cron-object/scale'))
    assert.deepEqual([scale.kind, scale.spec, scale.status], ['Scale', {replicas: 2}, {replicas: 2, selector: 'app=cron'}])
    assert.equal(JSON.parse(await kubectl('get', 'ct', 'my-new-cron-object', '-o', 'json')).status.replicas, 2)
    assert.match(await kubectl('scale', 'ct', 'my-new-cron-object', '--replicas=3'), /scaled/)
    assert.equal(JSON.parse(await kubectl('get', 'ct', 'my-new-cron-object', '-o', 'json')).spec.replicas, 3)
    assert.match(await kubectl('delete', 'ct', 'my-new-cron-object'), /deleted/)
    assert.match(await kubectlFails('get', 'ct', 'my-new-cron-object'), /NotFound|not found/)
  })

  it('custom objects are validated against the schema and its CEL rules, and unknown fields are pruned', async () => {
    const obj = (spec: string) => `apiVersion: stable.example.com/v1
kind: CronTab
metadata: {name: checked}
spec: ${spec}
`
    await writeFile(join(dir, 'bad.yaml'), obj('{cronSpec: "* * * * */5", replicas: "three"}'))
    const typed = await run('kubectl', ['--kubeconfig', join(dir, 'config'), 'apply', '-f', join(dir, 'bad.yaml')]).then(() => '', (e) => String(e.stderr))
    assert.match(typed, /spec\.replicas: Invalid value: "string": spec\.replicas in body must be of type integer: "string"/)
    await writeFile(join(dir, 'bad.yaml'), obj('{cronSpec: "", replicas: 3}'))
    const rule = await run('kubectl', ['--kubeconfig', join(dir, 'config'), 'apply', '-f', join(dir, 'bad.yaml')]).then(() => '', (e) => String(e.stderr))
    assert.match(rule, /spec: Invalid value: .*cronSpec must not be empty/)
    await writeFile(join(dir, 'ok.yaml'), obj('{cronSpec: "* * * * */5", replicas: 3, unknownField: 1}'))
    await run('kubectl', ['--kubeconfig', join(dir, 'config'), 'apply', '--validate=false', '-f', join(dir, 'ok.yaml')])
    const got = JSON.parse((await run('kubectl', ['--kubeconfig', join(dir, 'config'), 'get', 'crontab', 'checked', '-o', 'json'])).stdout)
    assert.equal(got.spec.replicas, 3)
    assert.equal(got.spec.unknownField, undefined)
    await run('kubectl', ['--kubeconfig', join(dir, 'config'), 'delete', 'crontab', 'checked'])
  })

  it('deleting the CRD deletes its objects and stops serving it', async () => {
    await kubectl('apply', '-f', join(dir, 'crontab.yaml'))
    await kubectl('create', 'namespace', 'other')
    await kubectl('apply', '-n', 'other', '-f', join(dir, 'crontab.yaml'))
    assert.equal((await kubectl('get', 'ct', '-A', '--no-headers')).trim().split('\n').length, 2)
    await kubectl('delete', 'crd', 'crontabs.stable.example.com', '--wait=true', '--timeout=20s')
    await waitFor('crd', async () => (await store.list('/registry/stable.example.com/crontabs/')).items.length === 0, 10_000)
    await waitFor('crd', async () => (await server.request('GET', '/apis/stable.example.com/v1')).status === 404, 10_000)
    assert.equal((await store.list('/registry/apiextensions.k8s.io/customresourcedefinitions/')).items.length, 0)
    // Created again, it serves with no objects left over.
    await kubectl('apply', '-f', join(dir, 'crd.yaml'))
    await waitFor('crd', async () => (await server.request('GET', '/apis/stable.example.com/v1/crontabs')).status === 200, 10_000)
    assert.equal((await server.request('GET', '/apis/stable.example.com/v1/crontabs')).json.items.length, 0)
  })
})
