// Starts a throwaway local etcd (Debian's /usr/bin/etcd) on free ports with a temp data dir, for tests.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {poll} from '../../src/api/poll.js'
import {freePort} from '../../src/cluster/create/actions.js'

/** A running etcd; `stop()` kills it and removes its data. */
export interface TestEtcd {
  endpoint: string
  stop(): Promise<void>
}

/** Starts etcd and resolves once its client port answers /health. */
export async function startEtcd(): Promise<TestEtcd> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'))
  const [clientPort, peerPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')]
  const endpoint = `http://127.0.0.1:${clientPort}`
  const proc: ChildProcess = spawn('/usr/bin/etcd', [
    '--data-dir', dir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${peerPort}`,
    '--log-level', 'error',
  ], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  proc.stderr?.on('data', d => { stderr += String(d) })
  const stop = async () => {
    if (proc.exitCode === null && proc.pid !== undefined) {
      const exited = new Promise(resolve => proc.once('exit', resolve))
      proc.kill('SIGKILL')
      await exited
    }
    await rm(dir, {recursive: true, force: true})
  }
  // etcd failing to start (no binary, bad flags) fails the test at once rather than after the deadline.
  const died = new Promise<never>((_, reject) => {
    proc.once('error', err => reject(new Error(`cannot run /usr/bin/etcd (tests of the etcd store need it: apt-get install etcd-server): ${err.message}`)))
    proc.once('exit', code => reject(new Error(`etcd exited with ${code}: ${stderr}`)))
  })
  const stopPolling = new AbortController()
  try {
    const healthy = poll(async () => (await fetch(`${endpoint}/health`)).ok, {what: 'etcd to answer /health', intervalMs: 50, deadline: Date.now() + 15_000, signal: stopPolling.signal})
    await Promise.race([healthy, died])
    return {endpoint, stop}
  } catch (err) {
    await stop()
    throw err
  } finally {
    stopPolling.abort()
    died.catch(() => {})
  }
}
