// The small busybox image tests run as pods, built locally on first use (no registry is reachable).
import assert from 'node:assert/strict'
import {join} from 'node:path'
import {repo, run} from './cli.js'

/** The image tests use for pods and containers. */
export const BUSYBOX_IMAGE = process.env.SKIFF_TEST_BUSYBOX ?? 'skiff/busybox:test'

/**
 * Ensures image is on the host Docker engine, building it with scripts/build-busybox-image.sh if missing. Fails (never
 * skips) when the engine does not answer: a test that needs Docker must not pass without it.
 */
export async function ensureBusyboxImage(image = BUSYBOX_IMAGE): Promise<string> {
  const info = await run('docker', ['version', '--format', '{{.Server.Version}}'])
  assert.equal(info.code, 0, `this test needs a running Docker engine: ${info.stderr.trim()}`)
  if ((await run('docker', ['image', 'inspect', image])).code === 0) return image
  const built = await run(join(repo, 'scripts/build-busybox-image.sh'), [image], {timeoutMs: 300_000})
  assert.equal(built.code, 0, `building ${image} failed:\n${built.stderr}`)
  return image
}
