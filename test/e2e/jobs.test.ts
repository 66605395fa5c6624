// End to end: batch Jobs on a real 1+2 node cluster driven by the real kubectl (completions, Indexed, backoff, TTL, kubectl create job).
import assert from 'node:assert/strict'
import {useSharedCluster} from '../helpers/cli.js'
import {waitFor} from '../helpers/wait.js'

const name = `jobs${process.pid % 100000}`
const IMAGE = 'skiff/busybox:test'
const TRACKING = 'batch.kubernetes.io/job-tracking'

const job = (n: string, spec: string, command: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${n}
spec:
${spec}
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
        - name: main
          image: ${IMAGE}
          imagePullPolicy: IfNotPresent
          command: ["sh", "-c", ${JSON.stringify(command)}]
`

describe('jobs (end to end)', function () {
  this.timeout(900_000)
  const {k} = useSharedCluster(name, IMAGE)
  const podsOf = async (j: string) => (await k.json(['get', 'pods', '-l', `batch.kubernetes.io/job-name=${j}`])).items as any[]
  const apply = async (manifest: string) => {
    const r = await k.run(['apply', '-f', '-'], manifest)
    assert.equal(r.code, 0, r.stderr)
  }

  it('runs completions: 5 with parallelism: 2 to exactly 5 succeeded pods, never more than 2 at once; kubectl wait returns', async () => {
    await apply(job('five', '  completions: 5\n  parallelism: 2', 'sleep 2; echo done'))
    let maxActive = 0
    let waiting = true
    const wait = k.run(['wait', '--for=condition=complete', 'job/five', '--timeout=240s']).finally(() => (waiting = false))
    while (waiting) {
      const active = (await podsOf('five')).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata.deletionTimestamp).length
      maxActive = Math.max(maxActive, active)
      await new Promise((r) => setTimeout(r, 300))
    }
    const res = await wait
    assert.equal(res.code, 0, res.stderr)
    assert.ok(maxActive <= 2, `${maxActive} pods were active at once`)
    assert.ok(maxActive >= 1)
    const j = await k.json(['get', 'job', 'five'])
    assert.equal(j.status.succeeded, 5)
    assert.ok(!j.status.failed, `failed: ${j.status.failed}`)
    assert.ok(j.status.completionTime && j.status.startTime)
    assert.deepEqual(j.status.conditions.filter((c: any) => c.status === 'True').map((c: any) => c.type), ['SuccessCriteriaMet', 'Complete'])
    const pods = await waitFor('finalizers removed', async () => {
      const ps = await podsOf('five')
      return ps.every((p) => !(p.metadata.finalizers ?? []).includes(TRACKING)) && ps
    })
    assert.equal(pods.length, 5)
    assert.equal(pods.filter((p) => p.status.phase === 'Succeeded').length, 5)
    for (const p of pods) {
      assert.equal(p.metadata.labels['batch.kubernetes.io/controller-uid'], j.metadata.uid)
      assert.equal(p.metadata.labels['job-name'], 'five')
      assert.equal(p.metadata.ownerReferences[0].kind, 'Job')
    }
    const described = await k.run(['describe', 'job', 'five'])
    assert.equal(described.code, 0, described.stderr)
    assert.match(described.stdout, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 5 Succeeded \/ 0 Failed/)
    assert.match(described.stdout, /SuccessfulCreate/)
    const table = await k.run(['get', 'job', 'five'])
    assert.match(table.stdout, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE/)
    assert.match(table.stdout, /five\s+Complete\s+5\/5\s+/)
  })

  it('gives an Indexed Job\'s pods the indexes 0..N-1 through JOB_COMPLETION_INDEX, and hostnames <job>-<index>', async () => {
    await apply(job('idx', '  completions: 3\n  parallelism: 3\n  completionMode: Indexed', 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'))
    const res = await k.run(['wait', '--for=condition=complete', 'job/idx', '--timeout=180s'])
    assert.equal(res.code, 0, res.stderr)
    const seen: number[] = []
    for (const p of await podsOf('idx')) {
      const logs = await k.run(['logs', p.metadata.name])
      const m = /index=(\d+) host=(\S+)/.exec(logs.stdout)
      assert.ok(m, `logs of ${p.metadata.name}: ${logs.stdout} ${logs.stderr}`)
      assert.equal(m[1], p.metadata.annotations['batch.kubernetes.io/job-completion-index'])
      assert.equal(m[2], `idx-${m[1]}`)
      seen.push(Number(m[1]))
    }
    assert.deepEqual(seen.sort(), [0, 1, 2])
    const j = await k.json(['get', 'job', 'idx'])
    assert.equal(j.status.completedIndexes, '0-2')
    assert.equal(j.status.succeeded, 3)
  })

  it('fails a Job whose pod exits 1 with BackoffLimitExceeded after exactly backoffLimit+1 pods, backing off 10 s then 20 s', async () => {
    const start = Date.now()
    await apply(job('fail', '  backoffLimit: 2', 'exit 1'))
    const res = await k.run(['wait', '--for=condition=failed', 'job/fail', '--timeout=180s'])
    const took = Date.now() - start
    assert.equal(res.code, 0, res.stderr)
    assert.ok(took >= 28_000, `failed after only ${took} ms`)
    const j = await k.json(['get', 'job', 'fail'])
    const failed = j.status.conditions.find((c: any) => c.type === 'Failed')
    assert.equal(failed.reason, 'BackoffLimitExceeded')
    assert.equal(j.status.conditions.find((c: any) => c.type === 'FailureTarget')?.status, 'True')
    assert.equal(j.status.failed, 3)
    // No fourth pod appears afterwards either.
    await new Promise((r) => setTimeout(r, 3000))
    assert.equal((await podsOf('fail')).length, 3)
    const events = await k.run(['get', 'events', '--field-selector', 'involvedObject.name=fail', '-o', 'jsonpath={.items[*].reason}'])
    assert.match(events.stdout, /BackoffLimitExceeded/)
  })

  it('counts a running pod deleted by hand as failed (its finalizer held it until counted) and replaces it', async () => {
    await apply(job('del', '  backoffLimit: 3', 'sleep 600'))
    const first = await waitFor('a running pod of del', async () => (await podsOf('del')).find((p) => p.status?.phase === 'Running'), 90_000)
    assert.ok(first.metadata.finalizers.includes(TRACKING))
    const d = await k.run(['delete', 'pod', first.metadata.name, '--wait=true', '--timeout=60s'])
    assert.equal(d.code, 0, d.stderr)
    const j = await waitFor('failed counted', async () => {
      const x = await k.json(['get', 'job', 'del'])
      return x.status?.failed === 1 && x
    }, 30_000)
    assert.deepEqual(j.status.uncountedTerminatedPods ?? {}, {})
    // After the 10 s back-off a replacement runs.
    const second = await waitFor('a replacement pod', async () => (await podsOf('del')).find((p) => p.metadata.uid !== first.metadata.uid && !p.metadata.deletionTimestamp), 60_000)
    assert.ok(second.metadata.finalizers.includes(TRACKING))
    assert.equal((await k.run(['delete', 'job', 'del', '--wait=true', '--timeout=90s'])).code, 0)
    await waitFor('pods of del gone', async () => (await podsOf('del')).length === 0, 90_000, 500)
  })

  it('suspends a Job (its pods go, condition Suspended) and resumes it', async () => {
    await apply(job('sus', '  parallelism: 2\n  completions: 2', 'sleep 600'))
    await waitFor('two pods of sus', async () => (await podsOf('sus')).filter((p) => !p.metadata.deletionTimestamp).length === 2, 90_000)
    assert.equal((await k.run(['patch', 'job', 'sus', '--type=merge', '-p', '{"spec":{"suspend":true}}'])).code, 0)
    const wait = await k.run(['wait', '--for=condition=suspended', 'job/sus', '--timeout=60s'])
    assert.equal(wait.code, 0, wait.stderr)
    await waitFor('pods of sus gone', async () => (await podsOf('sus')).length === 0, 90_000, 500)
    const table = await k.run(['get', 'job', 'sus'])
    assert.match(table.stdout, /sus\s+Suspended\s+0\/2/)
    assert.equal((await k.run(['patch', 'job', 'sus', '--type=merge', '-p', '{"spec":{"suspend":false}}'])).code, 0)
    await waitFor('pods of sus back', async () => (await podsOf('sus')).filter((p) => !p.metadata.deletionTimestamp).length === 2, 60_000)
    const j = await k.json(['get', 'job', 'sus'])
    const c = j.status.conditions.find((x: any) => x.type === 'Suspended')
    assert.deepEqual([c.status, c.reason], ['False', 'JobResumed'])
    assert.equal((await k.run(['delete', 'job', 'sus', '--wait=true', '--timeout=90s'])).code, 0)
  })

  it('fails a Job at once when a pod failure policy FailJob rule matches the exit code', async () => {
    const policy = '  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n      - action: FailJob\n        onExitCodes: {containerName: main, operator: In, values: [42]}'
    await apply(job('pfp', policy, 'exit 42'))
    const res = await k.run(['wait', '--for=condition=failed', 'job/pfp', '--timeout=90s'])
    assert.equal(res.code, 0, res.stderr)
    const j = await k.json(['get', 'job', 'pfp'])
    const failed = j.status.conditions.find((c: any) => c.type === 'Failed')
    assert.equal(failed.reason, 'PodFailurePolicy')
    assert.match(failed.message, /^Container main for pod default\/pfp-\S+ failed with exit code 42 matching FailJob rule at index 0$/)
    assert.equal((await podsOf('pfp')).length, 1)
  })

  it('counts the in-place restarts of a restartPolicy: OnFailure pod towards backoffLimit', async () => {
    await apply(job('onf', '  backoffLimit: 1', 'exit 3').replace('restartPolicy: Never', 'restartPolicy: OnFailure'))
    const res = await k.run(['wait', '--for=condition=failed', 'job/onf', '--timeout=120s'])
    assert.equal(res.code, 0, res.stderr)
    const j = await k.json(['get', 'job', 'onf'])
    assert.equal(j.status.conditions.find((c: any) => c.type === 'Failed').reason, 'BackoffLimitExceeded')
    // One pod only: its container restarted in place rather than the Job creating new pods.
    const pods = await podsOf('onf')
    assert.ok(pods.length <= 1, `${pods.length} pods`)
  })

  it('deletes a finished Job with ttlSecondsAfterFinished: 5, and its pods with it', async () => {
    await apply(job('ttl', '  ttlSecondsAfterFinished: 5', 'exit 0'))
    const res = await k.run(['wait', '--for=condition=complete', 'job/ttl', '--timeout=120s'])
    assert.equal(res.code, 0, res.stderr)
    const done = Date.now()
    await waitFor('job ttl deleted', async () => /NotFound/.test((await k.run(['get', 'job', 'ttl'])).stderr), 60_000, 500)
    assert.ok(Date.now() - done >= 3000, 'deleted before its TTL')
    await waitFor('pods of ttl gone', async () => (await podsOf('ttl')).length === 0, 60_000, 500)
  })

  it('kubectl create job (a protobuf write) runs to completion', async () => {
    const r = await k.run(['create', 'job', 'made', `--image=${IMAGE}`, '--', 'sh', '-c', 'exit 0'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /job.batch\/made created/)
    const res = await k.run(['wait', '--for=condition=complete', 'job/made', '--timeout=120s'])
    assert.equal(res.code, 0, res.stderr)
  })
})
