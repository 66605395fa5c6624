// Benchmark (not a test): time from `skiff cluster create` to a Deployment behind a LoadBalancer Service answering from the host (minikube's time-to-k8s shape), median of N, split into create, image load, apply and first answer.
// Usage: node --import tsx bench/time-to-app.ts [--runs 3] [--workers 2]
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {arg, exec, freePort, kubectl, median, repo, skiff} from './lib.js'

const IMAGE = 'skiff/busybox:test'
const runs = Number(arg('runs', '3'))
const workers = arg('workers', '2')!

const app = (port: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 2
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - name: web
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www; echo hello > /www/index.html; exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: app}
spec: {type: LoadBalancer, selector: {app: app}, ports: [{port: ${port}, targetPort: 8080}]}
`

/** Polls http://127.0.0.1:port/ every 20 ms until it answers `hello`. */
async function firstAnswer(port: number, deadline: number): Promise<void> {
  for (;;) {
    const body = await fetch(`http://127.0.0.1:${port}/`, {signal: AbortSignal.timeout(1000)}).then((r) => r.text(), () => '')
    if (body.includes('hello')) return
    if (Date.now() > deadline) throw new Error(`no answer on 127.0.0.1:${port}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function once(i: number): Promise<Record<string, number>> {
  const name = `tta-${process.pid % 10000}-${i}`
  const dir = await mkdtemp(join(tmpdir(), 'skiff-tta-'))
  const kubeconfig = join(dir, 'config')
  const port = await freePort()
  const t: Record<string, number> = {}
  const t0 = Date.now()
  try {
    await skiff(['cluster', 'create', name, '--workers', workers, '--kubeconfig', kubeconfig, '--no-switch-context'])
    t.create = Date.now() - t0
    await skiff(['image', 'load', IMAGE, '--name', name])
    t.imageLoad = Date.now() - t0 - t.create
    await kubectl(kubeconfig).run(['apply', '-f', '-'], app(port))
    t.apply = Date.now() - t0 - t.create - t.imageLoad
    await firstAnswer(port, Date.now() + 120_000)
    t.firstAnswer = Date.now() - t0 - t.create - t.imageLoad - t.apply
    t.total = Date.now() - t0
    return t
  } finally {
    await skiff(['cluster', 'delete', name, '--kubeconfig', kubeconfig]).catch(() => undefined)
    await rm(dir, {recursive: true, force: true})
  }
}

async function main(): Promise<void> {
  await exec(join(repo, 'scripts/build-busybox-image.sh'), [IMAGE])
  // Warm-up: the node image is built once, outside the measured runs.
  await skiff(['cluster', 'create', `tta-warm-${process.pid % 10000}`, '--workers', '0', '--no-wait', '--no-switch-context', '--kubeconfig', join(tmpdir(), `tta-warm-${process.pid}`)])
  await skiff(['cluster', 'delete', `tta-warm-${process.pid % 10000}`, '--kubeconfig', join(tmpdir(), `tta-warm-${process.pid}`)])
  const all: Record<string, number>[] = []
  for (let i = 0; i < runs; i++) {
    const r = await once(i)
    all.push(r)
    console.log(`run ${i + 1}: ${Object.entries(r).map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}s`).join('  ')}`)
  }
  const m = (k: string) => `${(median(all.map((r) => r[k])) / 1000).toFixed(2)}s`
  console.log(`median of ${runs} (1 control plane + ${workers} workers): create ${m('create')}  image load ${m('imageLoad')}  apply ${m('apply')}  first answer ${m('firstAnswer')}  total ${m('total')}   (goal <= 6 s; minikube's time-to-k8s for one node: k3d 19.9 s, kind 33.0 s, minikube 50.8 s)`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
