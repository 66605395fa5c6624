// End to end: skiff's object commands (apply, get, scale, rollout, wait, logs, delete) beside the real kubectl on one cluster.
import assert from 'node:assert/strict'
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import yaml from 'js-yaml'
import {spawn} from 'node:child_process'
import {deleteClusterHard, kubectlFor, repo, run, skiff} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `co${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const IMAGE2 = 'skiff/busybox:v2'
const NS = 'cliobj'

const deployment = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: app
          image: ${image}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "echo started; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done"]
`

describe('object commands (end to end, beside kubectl)', function () {
  this.timeout(900_000)
  let dir: string
  let manifests: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  // Flags go before a `--`, after which everything belongs to the command exec runs.
  const sk = (args: string[], cfg = kubeconfig) => {
    const dash = args.indexOf('--')
    const withFlags = dash < 0 ? [...args, '--kubeconfig', cfg] : [...args.slice(0, dash), '--kubeconfig', cfg, ...args.slice(dash)]
    return skiff(withFlags, {env: {SKIFF_KUBE_CACHE_DIR: join(dir, 'skiff-cache')}})
  }
  const ready = (p: any) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp && (p.status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True')

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-co-'))
    kubeconfig = join(dir, 'config')
    manifests = join(dir, 'app')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    const built = await run('scripts/build-busybox-image.sh', [IMAGE, IMAGE2])
    assert.equal(built.code, 0, built.stderr)
    const res = await skiff(['cluster', 'create', name, '--workers', '1', '--kubeconfig', kubeconfig], {timeoutMs: 880_000})
    assert.equal(res.code, 0, `cluster create failed:\n${res.stdout}\n${res.stderr}`)
    const load = await skiff(['image', 'load', IMAGE, IMAGE2, '--name', name])
    assert.equal(load.code, 0, load.stderr)
    await mkdir(manifests)
    await writeFile(join(manifests, '00-ns.yaml'), `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`)
    await writeFile(join(manifests, 'config.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, namespace: ${NS}}\ndata: {greeting: hello}\n`)
    await writeFile(join(manifests, 'web.yaml'), deployment(IMAGE) + `---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: ${NS}}\nspec:\n  selector: {app: web}\n  ports: [{port: 80, targetPort: 8080}]\n`)
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('apply of a directory creates everything, then reports unchanged, then configured for a new image', async () => {
    const first = await sk(['apply', '-f', manifests])
    assert.equal(first.code, 0, first.stderr)
    assert.deepEqual(first.stdout.trim().split('\n'), ['namespace/cliobj created', 'configmap/cfg created', 'deployment.apps/web created', 'service/web created'])
    const again = await sk(['apply', '-f', manifests])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual(again.stdout.trim().split('\n'), ['namespace/cliobj unchanged', 'configmap/cfg unchanged', 'deployment.apps/web unchanged', 'service/web unchanged'])
    // kubectl reads skiff's last-applied record as its own: nothing to change.
    const kc = await k.run(['apply', '--validate=false', '-f', manifests])
    assert.equal(kc.code, 0, kc.stderr)
    assert.match(kc.stdout, /deployment\.apps\/web unchanged/)
    const status = await sk(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout', '180s'])
    assert.equal(status.code, 0, status.stderr)
    await writeFile(join(manifests, 'web.yaml'), (await readFile(join(manifests, 'web.yaml'), 'utf8')).replace(IMAGE, IMAGE2))
    const changed = await sk(['apply', '-f', manifests])
    assert.equal(changed.code, 0, changed.stderr)
    assert.match(changed.stdout, /^deployment\.apps\/web configured$/m)
    assert.match(changed.stdout, /^configmap\/cfg unchanged$/m)
    const rolled = await sk(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout', '180s'])
    assert.equal(rolled.code, 0, rolled.stderr)
    assert.match(rolled.stdout, /deployment "web" successfully rolled out/)
    const d = await k.json(['get', 'deploy', 'web', '-n', NS])
    assert.equal(d.spec.template.spec.containers[0].image, IMAGE2)
  })

  it('get pods lists the same pods and columns as kubectl', async () => {
    await waitFor('old pods gone', async () => {
      const items = (await k.json(['get', 'pods', '-n', NS])).items as any[]
      return items.length === 2 && items.every(ready)
    }, 120_000)
    const ours = await sk(['get', 'pods', '-n', NS])
    const theirs = await k.run(['get', 'pods', '-n', NS])
    assert.equal(ours.code, 0, ours.stderr)
    const table = (s: string) => s.trim().split('\n').map((l) => l.split(/\s{2,}/))
    // The AGE column may tick between the two commands; everything else must match cell for cell.
    const strip = (rows: string[][]) => rows.map((r) => r.slice(0, -1))
    assert.deepEqual(strip(table(ours.stdout)), strip(table(theirs.stdout)))
    assert.deepEqual(table(ours.stdout)[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'])
    const wide = await sk(['get', 'pods', '-n', NS, '-o', 'wide'])
    assert.match(wide.stdout.split('\n')[0], /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/)
  })

  it('get --show-labels, -L and --sort-by print the columns and order kubectl prints', async () => {
    const table = (s: string) => s.trim().split('\n').map((l) => l.split(/\s{2,}/))
    // AGE may tick between the two commands; every other cell must match.
    const noAge = (rows: string[][]) => rows.map((r) => r.filter((_, i) => rows[0][i] !== 'AGE'))
    for (const flags of [['--show-labels'], ['-L', 'app', '-L', 'pod-template-hash'], ['-L', 'app,pod-template-hash', '--show-labels', '-o', 'wide']]) {
      const [ours, theirs] = await Promise.all([sk(['get', 'pods', '-n', NS, ...flags]), k.run(['get', 'pods', '-n', NS, ...flags])])
      assert.equal(ours.code, 0, ours.stderr)
      assert.equal(theirs.code, 0, theirs.stderr)
      assert.deepEqual(table(ours.stdout)[0], table(theirs.stdout)[0], `headers with ${flags.join(' ')}`)
      assert.deepEqual(noAge(table(ours.stdout)), noAge(table(theirs.stdout)), `rows with ${flags.join(' ')}`)
    }
    assert.deepEqual(table((await sk(['get', 'pods', '-n', NS, '--show-labels'])).stdout)[0], ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS'])
    const unset = await sk(['get', 'deploy', 'web', '-n', NS, '-L', 'nope'])
    assert.match(unset.stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+NOPE\n/)
    for (const by of ['.metadata.name', '{.metadata.creationTimestamp}', '.status.podIP']) {
      const [ours, theirs] = await Promise.all([sk(['get', 'pods', '-n', NS, `--sort-by=${by}`]), k.run(['get', 'pods', '-n', NS, `--sort-by=${by}`])])
      assert.equal(ours.code, 0, ours.stderr)
      assert.deepEqual(table(ours.stdout).map((r) => r[0]), table(theirs.stdout).map((r) => r[0]), `order by ${by}`)
      // Objects of several types sort as one list, as kubectl's sorting printer sorts them.
      const types = by === '.status.podIP' ? 'pods' : 'pods,svc'
      const [oursNames, theirNames] = await Promise.all([sk(['get', types, '-n', NS, '-o', 'name', `--sort-by=${by}`]), k.run(['get', types, '-n', NS, '-o', 'name', `--sort-by=${by}`])])
      assert.equal(oursNames.code, 0, oursNames.stderr)
      assert.equal(oursNames.stdout, theirNames.stdout, `-o name by ${by}`)
    }
    // Values whose digit runs differ in length (item-10, item-5, item-9) and quantities (500m, 2, 1Gi, 900Mi): the
    // order kubectl prints, whatever the server's.
    for (const [name, x] of [['s1', 'item-10'], ['s2', 'item-9'], ['s3', 'item-5'], ['q1', '500m'], ['q2', '2'], ['q3', '1Gi'], ['q4', '900Mi']]) {
      assert.equal((await k.run(['create', 'configmap', name, '-n', NS, `--from-literal=x=${x}`])).code, 0)
      assert.equal((await k.run(['label', 'configmap', name, '-n', NS, `sort=${name[0]}`])).code, 0)
    }
    for (const sel of ['sort=s', 'sort=q']) {
      const [ours, theirs] = await Promise.all([sk(['get', 'cm', '-n', NS, '-l', sel, '--sort-by=.data.x']), k.run(['get', 'cm', '-n', NS, '-l', sel, '--sort-by=.data.x'])])
      assert.equal(ours.code, 0, ours.stderr)
      assert.deepEqual(table(ours.stdout).map((r) => r[0]), table(theirs.stdout).map((r) => r[0]), `order by .data.x (${sel})`)
    }
    const bad = await sk(['get', 'pods', '-n', NS, '--sort-by={.a}{.b}'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /couldn't parse --sort-by/)
  })

  it('get deploy web -o json prints the object kubectl prints; several objects print as a List', async () => {
    const [ours, theirs] = await Promise.all([sk(['get', 'deploy', 'web', '-n', NS, '-o', 'json']), k.run(['get', 'deploy', 'web', '-n', NS, '-o', 'json'])])
    assert.equal(ours.code, 0, ours.stderr)
    assert.deepEqual(JSON.parse(ours.stdout), JSON.parse(theirs.stdout))
    assert.equal(ours.stdout.trim(), theirs.stdout.trim())
    const list = JSON.parse((await sk(['get', 'pods', '-n', NS, '-o', 'json'])).stdout)
    assert.equal(list.kind, 'List')
    assert.equal(list.apiVersion, 'v1')
    assert.equal(list.metadata.resourceVersion, '')
    assert.equal(list.items.length, 2)
    assert.equal(list.items[0].kind, 'Pod')
    const names = await sk(['get', 'deploy,svc', '-n', NS, '-o', 'name'])
    assert.deepEqual(names.stdout.trim().split('\n'), ['deployment.apps/web', 'service/web'])
    const all = await sk(['get', 'all', '-n', NS])
    assert.match(all.stdout, /^pod\/web-/m)
    assert.match(all.stdout, /^deployment\.apps\/web\s+2\/2/m)
  })

  it('scale to 4 gives 4 ready pods; rollout undo brings the previous image back; wait returns once Available', async () => {
    const scaled = await sk(['scale', 'deploy/web', '--replicas', '4', '-n', NS])
    assert.equal(scaled.code, 0, scaled.stderr)
    assert.equal(scaled.stdout.trim(), 'deployment.apps/web scaled')
    await waitFor('4 ready pods', async () => ((await k.json(['get', 'pods', '-n', NS, '-l', 'app=web'])).items as any[]).filter(ready).length === 4, 180_000)
    const history = await sk(['rollout', 'history', 'deploy/web', '-n', NS])
    assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/)
    assert.equal(history.stdout, (await k.run(['rollout', 'history', 'deploy/web', '-n', NS])).stdout)
    // Dry runs change nothing: the client one prints the template it would put back, the server one checks it there.
    const imageBefore = (await k.json(['get', 'deploy', 'web', '-n', NS])).spec.template.spec.containers[0].image
    const dryClient = await sk(['rollout', 'undo', 'deploy/web', '-n', NS, '--dry-run=client'])
    assert.equal(dryClient.code, 0, dryClient.stderr)
    assert.match(dryClient.stdout, /^deployment\.apps\/web\nPod Template:\n/)
    assert.ok(dryClient.stdout.includes(`image: ${IMAGE}`), dryClient.stdout)
    const dryServer = await sk(['rollout', 'undo', 'deploy/web', '-n', NS, '--dry-run=server'])
    assert.equal(dryServer.stdout.trim(), 'deployment.apps/web rolled back (server dry run)', dryServer.stderr)
    assert.equal((await k.json(['get', 'deploy', 'web', '-n', NS])).spec.template.spec.containers[0].image, imageBefore)
    const undo = await sk(['rollout', 'undo', 'deploy/web', '-n', NS])
    assert.equal(undo.code, 0, undo.stderr)
    assert.equal(undo.stdout.trim(), 'deployment.apps/web rolled back')
    const waited = await sk(['wait', '--for=condition=Available', 'deploy/web', '-n', NS, '--timeout', '180s'])
    assert.equal(waited.code, 0, waited.stderr)
    assert.equal(waited.stdout.trim(), 'deployment.apps/web condition met')
    const rolled = await sk(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout', '180s'])
    assert.equal(rolled.code, 0, rolled.stderr)
    assert.equal((await k.json(['get', 'deploy', 'web', '-n', NS])).spec.template.spec.containers[0].image, IMAGE)
    const described = await sk(['describe', 'deploy', 'web', '-n', NS])
    assert.equal(described.code, 0, described.stderr)
    assert.match(described.stdout, /^Name:\s+web$/m)
    assert.match(described.stdout, /^Namespace:\s+cliobj$/m)
    assert.match(described.stdout, /^Conditions:\n\s+Type\s+Status\s+Reason\s+Message\n/m)
    assert.match(described.stdout, /^\s+Available\s+True\s/m)
    assert.match(described.stdout, /^Events:/m)
    const restarted = await sk(['rollout', 'restart', 'deploy/web', '-n', NS])
    assert.equal(restarted.stdout.trim(), 'deployment.apps/web restarted')
    assert.ok((await k.json(['get', 'deploy', 'web', '-n', NS])).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'])
    const again = await sk(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout', '180s'])
    assert.equal(again.code, 0, again.stderr)
    await waitFor('4 ready pods after the restart', async () => ((await k.json(['get', 'pods', '-n', NS, '-l', 'app=web'])).items as any[]).filter(ready).length === 4, 180_000)
    const timedOut = await sk(['wait', '--for=condition=Bogus', 'deploy/web', '-n', NS, '--timeout', '2s'])
    assert.equal(timedOut.code, 1)
    assert.match(timedOut.stderr, /timed out waiting for the condition on deployments\/web/)
  })

  it('logs of a deployment and of pods by selector, with prefixes', async () => {
    const logs = await waitFor('log lines', async () => {
      const r = await sk(['logs', 'deploy/web', '-n', NS])
      return r.code === 0 && /tick \d+/.test(r.stdout) ? r : undefined
    }, 60_000)
    assert.match(logs.stdout, /^started$/m)
    const prefixed = await sk(['logs', '-l', 'app=web', '-n', NS, '--prefix', '--tail', '1'])
    assert.equal(prefixed.code, 0, prefixed.stderr)
    const lines = prefixed.stdout.trim().split('\n')
    assert.ok(lines.length >= 4, prefixed.stdout)
    for (const l of lines) assert.match(l, /^\[pod\/web-[a-z0-9-]+\/app\] (started|tick \d+)$/)
  })

  it('a manifest with an unknown field fails that document with one line naming file and document; the others apply', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good, namespace: ${NS}}\ndata: {a: "1"}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad, namespace: ${NS}}\nspce: {}\nspec:\n  selector: {matchLabels: {app: bad}}\n  template:\n    metadata: {labels: {app: bad}}\n    spec: {containers: [{name: a, image: ${IMAGE}}]}\n`)
    const r = await sk(['apply', '-f', bad])
    assert.equal(r.code, 1)
    assert.equal(r.stdout.trim(), 'configmap/good created')
    const lines = r.stderr.trim().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.ok(lines[0].includes(`${bad} (document 2, Deployment bad)`), lines[0])
    assert.match(lines[0], /spce/)
    assert.equal((await k.run(['get', 'deploy', 'bad', '-n', NS])).code, 1)
    const missing = await sk(['get', 'deploy', 'nope', '-n', NS])
    assert.equal(missing.code, 1)
    assert.equal(missing.stderr.trim(), 'Error from server (NotFound): deployments.apps "nope" not found')
  })

  it('apply --prune -l deletes what apply made and the manifests dropped, as kubectl would; --all with -n prunes only there', async () => {
    const dirP = join(dir, 'prune')
    await mkdir(dirP)
    const cm = (n: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${n}, namespace: ${NS}, labels: {prune: "yes"}}\ndata: {a: "1"}\n`
    await writeFile(join(dirP, 'p1.yaml'), cm('p1'))
    await writeFile(join(dirP, 'p2.yaml'), cm('p2'))
    await writeFile(join(dirP, 'old.yaml'), `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: old, namespace: ${NS}, labels: {prune: "yes"}}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: old}}\n  template:\n    metadata: {labels: {app: old}}\n    spec: {containers: [{name: a, image: ${IMAGE}}]}\n`)
    const created = await sk(['apply', '-f', dirP])
    assert.equal(created.code, 0, created.stderr)
    // Labelled like the others but not made by apply (no last-applied annotation): never pruned.
    assert.equal((await k.run(['create', 'configmap', 'manual', '-n', NS])).code, 0)
    assert.equal((await k.run(['label', 'configmap', 'manual', '-n', NS, 'prune=yes'])).code, 0)
    await rm(join(dirP, 'p2.yaml'))
    await rm(join(dirP, 'old.yaml'))
    const refused = await sk(['apply', '-f', dirP, '--prune'])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /all resources selected for prune without explicitly passing --all/)
    const pruned = (out: string) => out.split('\n').filter((l) => / pruned/.test(l))
    const [dry, kubectlDry] = await Promise.all([sk(['apply', '-f', dirP, '--prune', '-l', 'prune=yes', '--dry-run=client']), k.run(['apply', '-f', dirP, '--prune', '-l', 'prune=yes', '--dry-run=client'])])
    assert.equal(dry.code, 0, dry.stderr)
    assert.deepEqual(pruned(dry.stdout), ['configmap/p2 pruned (dry run)', 'deployment.apps/old pruned (dry run)'])
    assert.deepEqual(pruned(dry.stdout), pruned(kubectlDry.stdout))
    assert.equal((await k.run(['get', 'cm', 'p2', '-n', NS])).code, 0, 'a dry run deletes nothing')
    const real = await sk(['apply', '-f', dirP, '--prune', '-l', 'prune=yes'])
    assert.equal(real.code, 0, real.stderr)
    assert.deepEqual(real.stdout.trim().split('\n'), ['configmap/p1 unchanged', 'configmap/p2 pruned', 'deployment.apps/old pruned'])
    await waitFor('the pruned objects gone', async () => (await k.run(['get', 'cm/p2', 'deploy/old', '-n', NS])).stdout.trim() === '', 60_000)
    for (const kept of ['cm/p1', 'cm/manual', 'cm/cfg', 'deploy/web']) assert.equal((await k.run(['get', kept, '-n', NS])).code, 0, `${kept} kept`)
    // --all, narrowed by -n and the allowlist: only ConfigMaps made by apply in that namespace go.
    const dirA = join(dir, 'prune-all')
    await mkdir(dirA)
    await writeFile(join(dirA, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n')
    await writeFile(join(dirA, 'b.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n')
    assert.equal((await k.run(['create', 'namespace', 'cliprune'])).code, 0)
    try {
      assert.equal((await sk(['apply', '-f', dirA, '-n', 'cliprune'])).code, 0)
      await rm(join(dirA, 'b.yaml'))
      const all = await sk(['apply', '-f', dirA, '-n', 'cliprune', '--prune', '--all', '--prune-allowlist', 'core/v1/ConfigMap'])
      assert.equal(all.code, 0, all.stderr)
      assert.deepEqual(all.stdout.trim().split('\n'), ['configmap/a unchanged', 'configmap/b pruned'])
      // kube-root-ca.crt (made by its controller, not by apply) stays whenever it has been published.
      const left = (await k.json(['get', 'cm', '-n', 'cliprune'])).items.map((c: any) => c.metadata.name).filter((n: string) => n !== 'kube-root-ca.crt')
      assert.deepEqual(left, ['a'])
      assert.equal((await k.run(['get', 'ns', NS])).code, 0, 'other namespaces are untouched')
    } finally {
      await k.run(['delete', 'namespace', 'cliprune', '--wait=false'])
    }
  })

  it('works through a kubeconfig whose user is an exec credential plugin', async () => {
    const cfg = yaml.load(await readFile(kubeconfig, 'utf8')) as any
    const ctx = cfg.contexts.find((c: any) => c.name === cfg['current-context']).context
    const user = cfg.users.find((u: any) => u.name === ctx.user).user
    const cluster = cfg.clusters.find((c: any) => c.name === ctx.cluster).cluster
    const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8')
    const credential = {apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: {clientCertificateData: pem(user['client-certificate-data']), clientKeyData: pem(user['client-key-data'])}}
    await writeFile(join(dir, 'cred.json'), JSON.stringify(credential))
    const plugin = join(dir, 'cred-plugin.sh')
    await writeFile(plugin, `#!/bin/sh\ncat '${join(dir, 'cred.json')}'\n`)
    await chmod(plugin, 0o755)
    const execConfig = join(dir, 'exec-config')
    await writeFile(execConfig, yaml.dump({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'exec',
      clusters: [{name: 'c', cluster}],
      users: [{name: 'plugin', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never'}}}],
      contexts: [{name: 'exec', context: {cluster: 'c', user: 'plugin', namespace: NS}}],
    }))
    const got = await sk(['get', 'deploy', 'web', '-o', 'name'], execConfig)
    assert.equal(got.code, 0, got.stderr)
    assert.equal(got.stdout.trim(), 'deployment.apps/web')
    const applied = await sk(['apply', '-f', join(manifests, 'config.yaml')], execConfig)
    assert.equal(applied.code, 0, applied.stderr)
    assert.equal(applied.stdout.trim(), 'configmap/cfg unchanged')
    // Without the plugin's certificate the server refuses: the plugin is what authenticates.
    await writeFile(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"nope"}}\'\n')
    const refused = await sk(['get', 'deploy', 'web'], execConfig)
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /Unauthorized/)
  })

  it('exec runs a command with stdin and returns its exit code; logs -f and get -w stream', async () => {
    const pod = (await k.json(['get', 'pods', '-n', NS, '-l', 'app=web'])).items.find(ready).metadata.name
    const out = await sk(['exec', pod, '-n', NS, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'])
    assert.equal(out.code, 3, out.stderr)
    assert.equal(out.stdout, 'out\n')
    assert.match(out.stderr, /^err$/m)
    const cat = await run(join(repo, 'bin/run.js'), ['exec', '-i', pod, '-n', NS, '--kubeconfig', kubeconfig, '--', 'cat'], {input: 'piped\n', env: {SKIFF_KUBE_CACHE_DIR: join(dir, 'skiff-cache')}})
    assert.equal(cat.code, 0, cat.stderr)
    assert.equal(cat.stdout, 'piped\n')
    const byLabel = spawn(join(repo, 'bin/run.js'), ['logs', '-f', '-l', 'app=web', '--prefix', '--tail', '1', '-n', NS, '--kubeconfig', kubeconfig], {env: {...process.env, SKIFF_KUBE_CACHE_DIR: join(dir, 'skiff-cache')}})
    const follow = spawn(join(repo, 'bin/run.js'), ['logs', '-f', `pod/${pod}`, '-n', NS, '--tail', '0', '--kubeconfig', kubeconfig], {env: {...process.env, SKIFF_KUBE_CACHE_DIR: join(dir, 'skiff-cache')}})
    const watch = spawn(join(repo, 'bin/run.js'), ['get', 'pods', '-w', '-n', NS, '--kubeconfig', kubeconfig], {env: {...process.env, SKIFF_KUBE_CACHE_DIR: join(dir, 'skiff-cache')}})
    try {
      let logged = ''
      let watched = ''
      let labelled = ''
      let labelledErr = ''
      byLabel.stdout.on('data', (d) => (labelled += d))
      byLabel.stderr.on('data', (d) => (labelledErr += d))
      follow.stdout.on('data', (d) => (logged += d))
      watch.stdout.on('data', (d) => (watched += d))
      await waitFor('two new log lines while following', async () => (logged.match(/tick \d+/g) ?? []).length >= 2, 30_000)
      await waitFor('the pod list', async () => /^NAME\s+READY/m.test(watched), 30_000)
      assert.equal((await sk(['scale', 'deploy/web', '--replicas', '5', '-n', NS])).code, 0)
      await waitFor('a watched row for the new pod', async () => watched.trim().split('\n').length >= 7, 60_000)
      const before = new Set((await k.json(['get', 'pods', '-n', NS, '-l', 'app=web'])).items.map((p: any) => p.metadata.name))
      await waitFor('lines from the pod that started while following', async () => {
        const now = (await k.json(['get', 'pods', '-n', NS, '-l', 'app=web'])).items.map((p: any) => p.metadata.name) as string[]
        const prefixes = new Set([...labelled.matchAll(/^\[pod\/([^/]+)\/app\]/gm)].map((m) => m[1]))
        return now.length === 5 && now.every((n) => prefixes.has(n)) ? true : undefined
      }, 60_000).catch((err: Error) => {
        throw new Error(`${err.message}\nlogs -f -l printed:\n${labelled.slice(-2000)}\nstderr:\n${labelledErr}`)
      })
      assert.ok(before.size >= 4)
    } finally {
      byLabel.kill()
      follow.kill()
      watch.kill()
    }
  })

  it('server-side apply of a CRD and a custom resource of it in one file; get shows its printer columns', async () => {
    const file = join(dir, 'crd.yaml')
    await writeFile(file, `apiVersion: ${NS}.example.com/v1
kind: Widget
metadata: {name: w1, namespace: ${NS}}
spec: {size: 3}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.${NS}.example.com}
spec:
  group: ${NS}.example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
      additionalPrinterColumns: [{name: Size, type: integer, jsonPath: .spec.size}]
`)
    const r = await sk(['apply', '--server-side', '-f', file])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), [`customresourcedefinition.apiextensions.k8s.io/widgets.${NS}.example.com serverside-applied`, `widget.${NS}.example.com/w1 serverside-applied`])
    const got = await sk(['get', 'wd', '-n', NS])
    assert.equal(got.code, 0, got.stderr)
    assert.equal(got.stdout, (await k.run(['get', 'wd', '-n', NS])).stdout)
    assert.match(got.stdout, /^NAME\s+SIZE\nw1\s+3\n$/)
  })

  it('rollout history and undo of a daemon set and a stateful set, from their ControllerRevisions, as kubectl shows them', async () => {
    const workload = (kind: string, image: string) => `apiVersion: apps/v1
kind: ${kind}
metadata: {name: rev, namespace: ${NS}}
spec:
${kind === 'StatefulSet' ? '  replicas: 1\n  serviceName: rev\n' : ''}  selector: {matchLabels: {app: rev-${kind.toLowerCase()}}}
  template:
    metadata: {labels: {app: rev-${kind.toLowerCase()}}}
    spec:
      terminationGracePeriodSeconds: 1
      tolerations: [{operator: Exists}]
      containers: [{name: app, image: ${image}, imagePullPolicy: IfNotPresent, command: [sh, -c, 'while true; do sleep 1; done']}]
`
    for (const [kind, short] of [['DaemonSet', 'ds'], ['StatefulSet', 'sts']]) {
      const file = join(dir, `${short}.yaml`)
      const ref = `${short}/rev`
      for (const image of [IMAGE, IMAGE2]) {
        await writeFile(file, workload(kind, image))
        const applied = await sk(['apply', '-f', file])
        assert.equal(applied.code, 0, applied.stderr)
        const status = await sk(['rollout', 'status', ref, '-n', NS, '--timeout', '180s'])
        assert.equal(status.code, 0, `${kind} rollout to ${image}: ${status.stdout}${status.stderr}`)
      }
      const [history, kubectlHistory] = await Promise.all([sk(['rollout', 'history', ref, '-n', NS]), k.run(['rollout', 'history', ref, '-n', NS])])
      assert.equal(history.code, 0, history.stderr)
      assert.equal(history.stdout, kubectlHistory.stdout)
      assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/)
      const rev1 = await sk(['rollout', 'history', ref, '-n', NS, '--revision', '1'])
      assert.match(rev1.stdout, new RegExp(`image: ${IMAGE}`))
      assert.doesNotMatch(rev1.stdout, /\$patch/)
      const missing = await sk(['rollout', 'undo', ref, '-n', NS, '--to-revision', '9'])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /unable to find specified revision 9 in history/)
      const undo = await sk(['rollout', 'undo', ref, '-n', NS])
      assert.equal(undo.code, 0, undo.stderr)
      assert.equal(undo.stdout.trim(), `${kind.toLowerCase()}.apps/rev rolled back`)
      const live = await k.json(['get', ref, '-n', NS])
      assert.equal(live.spec.template.spec.containers[0].image, IMAGE)
      const back = await sk(['rollout', 'status', ref, '-n', NS, '--timeout', '180s'])
      assert.equal(back.code, 0, `${kind} rollback: ${back.stdout}${back.stderr}`)
      // Already at the revision asked for: nothing to do, as kubectl says.
      const again = await sk(['rollout', 'undo', ref, '-n', NS, '--to-revision', String(Math.max(...(await k.json(['get', 'controllerrevisions', '-n', NS])).items.filter((r: any) => r.metadata.ownerReferences?.[0]?.uid === live.metadata.uid).map((r: any) => r.revision)))])
      assert.equal(again.code, 0, again.stderr)
      assert.match(again.stdout, /skipped rollback \(current template already matches revision \d+\)/)
      assert.equal((await k.run(['delete', ref, '-n', NS, '--wait=false'])).code, 0)
    }
  })

  it('delete removes an object and waits until it is gone', async () => {
    const r = await sk(['delete', 'deploy', 'web', '-n', NS])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'deployment.apps "web" deleted')
    assert.equal((await k.run(['get', 'deploy', 'web', '-n', NS])).code, 1)
  })
})
