// End to end: CronJobs on schedule (history limit, Forbid, kubectl create job --from) and native sidecars, on a real 1+2 node cluster with kubectl.
import assert from 'node:assert/strict'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createSharedCluster, deleteClusterHard, kubectlFor} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `cj${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const SCHEDULED = 'batch.kubernetes.io/cronjob-scheduled-timestamp'

const cronJob = (n: string, spec: string, command: string) => `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${n}
spec:
${spec}
  jobTemplate:
    metadata:
      labels: {cron: ${n}}
      annotations: {owner-team: e2e}
    spec:
      backoffLimit: 0
      template:
        metadata:
          labels: {cron: ${n}}
        spec:
          restartPolicy: Never
          terminationGracePeriodSeconds: 2
          containers:
            - name: c
              image: ${IMAGE}
              imagePullPolicy: IfNotPresent
              command: ["sh", "-c", "${command}"]
`

// The sidecar becomes started only when its startup probe passes, 2 s in: the app container must start after that.
const sidecarPodSpec = `restartPolicy: Never
      terminationGracePeriodSeconds: 5
      initContainers:
        - name: proxy
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          restartPolicy: Always
          command: ["sh", "-c", "trap 'exit 0' TERM; sleep 2; touch /tmp/up; while true; do sleep 1; done"]
          startupProbe:
            exec: {command: ["test", "-f", "/tmp/up"]}
            periodSeconds: 1
      containers:
        - name: app
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", "sleep 2; echo done"]`

describe('cronjobs and sidecars (end to end)', function () {
  this.timeout(900_000)
  let dir: string
  let kubeconfig: string
  let k: ReturnType<typeof kubectlFor>
  /** What the Forbid CronJob looked like right after it skipped a start (watched from the start, since other tests run meanwhile). */
  let forbidSeen: Promise<{first: any; skipped: any; jobs: any[]; cj: any}>
  const json = (args: string[]) => k.json(args)
  const jobsOf = async (cj: string) => ((await json(['get', 'jobs', '-l', `cron=${cj}`])).items as any[]).filter((j) => !j.metadata.deletionTimestamp)
  const finished = (j: any) => (j.status?.conditions ?? []).some((c: any) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
  const complete = (j: any) => (j.status?.conditions ?? []).some((c: any) => c.type === 'Complete' && c.status === 'True')
  const events = async (obj: string, reason: string) => ((await json(['get', 'events'])).items as any[]).filter((e) => e.involvedObject?.name === obj && e.reason === reason)
  const apply = async (manifest: string) => {
    const r = await k.run(['apply', '-f', '-'], manifest)
    assert.equal(r.code, 0, r.stderr)
  }
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-cj-'))
    kubeconfig = join(dir, 'config')
    k = kubectlFor(kubeconfig, join(dir, 'cache'))
    await createSharedCluster(name, kubeconfig, IMAGE)
    // The CronJob cases wait for real minutes: start them all now so they run side by side.
    await apply(cronJob('every', '  schedule: "*/1 * * * *"\n  successfulJobsHistoryLimit: 1', 'true'))
    await apply(cronJob('forbid', '  schedule: "*/1 * * * *"\n  concurrencyPolicy: Forbid', 'sleep 90'))
    forbidSeen = (async () => {
      const first = await waitFor('the first Job of forbid', async () => (await jobsOf('forbid'))[0], 150_000, 2_000)
      const skipped = await waitFor('a JobAlreadyActive event', async () => (await events('forbid', 'JobAlreadyActive'))[0], 150_000, 1_000)
      return {first, skipped, jobs: await jobsOf('forbid'), cj: await json(['get', 'cronjob', 'forbid'])}
    })()
    forbidSeen.catch(() => {})
    await apply(cronJob('manual', '  schedule: "0 0 1 1 *"\n  suspend: true\n  timeZone: Europe/Paris', 'echo manual'))
  })

  after(async () => {
    await deleteClusterHard(name, kubeconfig)
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('serves CronJobs with kubectl: table columns, and the API rejects a TZ= schedule', async () => {
    const r = await k.run(['get', 'cronjobs'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.split('\n')[0], /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/)
    assert.match(r.stdout, /manual\s+0 0 1 1 \*\s+Europe\/Paris\s+True\s+0\s+<none>/)
    const bad = await k.run(['apply', '-f', '-'], cronJob('badtz', '  schedule: "TZ=UTC */5 * * * *"', 'true'))
    assert.notEqual(bad.code, 0)
    assert.match(bad.stderr, /cannot use TZ or CRON_TZ in schedule, use timeZone field instead/)
  })

  it('a */1 CronJob starts a Job every minute, named by its start time, and keeps successfulJobsHistoryLimit (1) of them', async () => {
    const seen = new Map<string, any>()
    await waitFor(
      'two scheduled Jobs, the older one cleaned up',
      async () => {
        const jobs = await jobsOf('every')
        for (const j of jobs) if (!seen.has(j.metadata.name)) seen.set(j.metadata.name, j)
        // The limit holds at every observation (one more may exist while it runs, none more once done).
        assert.ok(jobs.filter(complete).length <= 1, `more than 1 succeeded Job kept: ${jobs.map((j) => j.metadata.name)}`)
        return seen.size >= 2 && jobs.length === 1 && complete(jobs[0]) && !jobs.some((j) => j.metadata.name === [...seen.keys()][0])
      },
      200_000,
      2_000,
    )
    for (const [jobName, j] of seen) {
      const minutes = Number(jobName.slice('every-'.length))
      assert.equal(j.metadata.annotations[SCHEDULED], new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'))
      assert.equal(j.metadata.annotations['owner-team'], 'e2e')
      const ref = j.metadata.ownerReferences.find((r: any) => r.controller)
      assert.equal(`${ref.kind}/${ref.name}`, 'CronJob/every')
    }
    const minutes = [...seen.keys()].map((n) => Number(n.slice('every-'.length))).sort()
    assert.equal(minutes[1] - minutes[0], 1)
    const cj = await json(['get', 'cronjob', 'every'])
    assert.ok(cj.status.lastScheduleTime)
    assert.ok(cj.status.lastSuccessfulTime)
    assert.ok((await events('every', 'SuccessfulDelete')).length >= 1)
  })

  it('concurrencyPolicy Forbid skips the next start while the previous Job still runs', async () => {
    const {first, skipped, jobs, cj} = await forbidSeen
    assert.match(skipped.message, /concurrency policy is Forbid/)
    assert.deepEqual(jobs.map((j) => j.metadata.name), [first.metadata.name])
    assert.ok(!finished(jobs[0]), 'the 90 s Job is still running')
    assert.deepEqual(cj.status.active.map((r: any) => r.name), [first.metadata.name])
    // The skipped minute made no Job: the next name is at least two minutes after the first.
    const later = (await jobsOf('forbid')).map((j) => Number(j.metadata.name.slice('forbid-'.length))).filter((m) => m !== Number(first.metadata.name.slice('forbid-'.length)))
    for (const m of later) assert.ok(m - Number(first.metadata.name.slice('forbid-'.length)) >= 2, `forbid-${m} started while the first ran`)
  })

  it('kubectl create job --from=cronjob/x starts a Job at once (marked manual) that completes', async () => {
    const r = await k.run(['create', 'job', 'once', '--from=cronjob/manual'])
    assert.equal(r.code, 0, r.stderr)
    const job = await json(['get', 'job', 'once'])
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual')
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob')
    assert.equal(job.spec.template.spec.containers[0].command.join(' '), 'sh -c echo manual')
    await waitFor('Job once to complete', async () => complete(await json(['get', 'job', 'once'])), 90_000, 1_000)
    const logs = await k.run(['logs', 'job/once'])
    assert.equal(logs.stdout.trim(), 'manual')
  })

  it('a native sidecar is started (startup probe passed) before the app container starts, runs beside it, and does not keep the pod from succeeding', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata:
  name: side
spec:
  ${sidecarPodSpec.replaceAll('\n      ', '\n  ')}
`)
    const running = await waitFor('the app container running beside the sidecar', async () => {
      const p = await json(['get', 'pod', 'side'])
      const app = p.status?.containerStatuses?.[0]
      return app?.state?.running || app?.state?.terminated ? p : undefined
    }, 120_000, 500)
    const sidecar = running.status.initContainerStatuses[0]
    assert.equal(sidecar.name, 'proxy')
    assert.ok(sidecar.state.running, 'the sidecar runs')
    assert.equal(sidecar.started, true)
    const app = running.status.containerStatuses[0]
    const appStart = Date.parse((app.state.running ?? app.state.terminated).startedAt)
    // The sidecar's startup probe passes 2 s after it starts, and only then may the app container start.
    assert.ok(Date.parse(sidecar.state.running.startedAt) + 2000 <= appStart, `sidecar ${sidecar.state.running.startedAt}, app ${appStart}`)
    assert.equal(running.status.conditions.find((c: any) => c.type === 'Initialized').status, 'True')
    const done = await waitFor('pod side to succeed', async () => {
      const p = await json(['get', 'pod', 'side'])
      return p.status.phase === 'Succeeded' ? p : undefined
    }, 60_000, 500)
    assert.ok(done.status.initContainerStatuses[0].state.terminated, 'the sidecar was stopped')
    assert.equal(done.status.containerStatuses[0].state.terminated.exitCode, 0)
  })

  it('a Job whose pod has a long-running sidecar completes', async () => {
    await apply(`apiVersion: batch/v1
kind: Job
metadata:
  name: withside
spec:
  backoffLimit: 0
  template:
    spec:
      ${sidecarPodSpec}
`)
    const r = await k.run(['wait', '--for=condition=complete', 'job/withside', '--timeout=120s'])
    assert.equal(r.code, 0, r.stderr)
  })
})
