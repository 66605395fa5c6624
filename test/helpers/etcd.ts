// Starts a throwaway local etcd (Debian's /usr/bin/etcd) on free ports with a temp data dir, for tests.
import {spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** A running etcd; `stop()` kills it and removes its data. */
export interface TestEtcd {
  endpoint: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as {port: number}).port
      srv.close(() => resolve(port))
    })
  })
}

/** Starts etcd and resolves once its client port answers /health. */
export async function startEtcd(): Promise<TestEtcd> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-etcd-'))
  const [clientPort, peerPort] = [await freePort(), await freePort()]
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
    if (proc.exitCode === null) {
      const exited = new Promise(resolve => proc.once('exit', resolve))
      proc.kill('SIGKILL')
      await exited
    }
    await rm(dir, {recursive: true, force: true})
  }
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) break
    try {
      const res = await fetch(`${endpoint}/health`)
      if (res.ok) return {endpoint, stop}
    } catch {
      // not listening yet
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  await stop()
  throw new Error(`etcd did not start: ${stderr}`)
}
