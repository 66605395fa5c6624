// The official Kubernetes Python client (Debian's python3-kubernetes) for tests that drive the API the way Python users do.
import assert from 'node:assert/strict'
import {run} from './cli.js'

/** Debian's interpreter, which python3-kubernetes installs into (not a pyenv or venv one earlier on the PATH). */
export const PYTHON = '/usr/bin/python3'

/** Installs python3-kubernetes when the system Python lacks it (CI machines start without it). */
export async function ensurePythonClient(): Promise<void> {
  if ((await run(PYTHON, ['-c', 'import kubernetes'])).code === 0) return
  const env = {DEBIAN_FRONTEND: 'noninteractive'}
  let r = await run('apt-get', ['install', '-y', '-qq', 'python3-kubernetes'], {env, timeoutMs: 300_000})
  if (r.code !== 0) {
    await run('apt-get', ['update', '-qq'], {env, timeoutMs: 300_000})
    r = await run('apt-get', ['install', '-y', '-qq', 'python3-kubernetes'], {env, timeoutMs: 300_000})
  }
  assert.equal(r.code, 0, `installing python3-kubernetes failed:\n${r.stderr}`)
}
