// The pause image every sandbox runs (skiff/pause:1), made inside the node since there is no registry to pull one from, and the build-once helper behind it.
import {execFile} from 'node:child_process'

/** Image every pod sandbox runs. */
export const PAUSE_IMAGE = 'skiff/pause:1'

/** One image build: skipped when has() finds the image, checked after; `what` names it in errors ("building X"). */
export interface ImageBuild {
  image: string
  has: (ref: string) => Promise<unknown>
  script: string
  run?: (script: string, what: string) => Promise<void>
  what: string
}

const inflight = new Map<string, Promise<void>>()

/** Runs an image build unless the image is there; concurrent callers of the same build share it. */
export function buildImageOnce(b: ImageBuild): Promise<void> {
  let p = inflight.get(b.what)
  if (!p) {
    p = (async () => {
      if (await b.has(b.image)) return
      await (b.run ?? runShell)(b.script, b.what)
      if (!(await b.has(b.image))) throw new Error(`${b.what} did not produce the image`)
    })().finally(() => inflight.delete(b.what))
    inflight.set(b.what, p)
  }
  return p
}

/** Runs a build script with sh (a minute at most); the error carries what was being done and the script's stderr. */
export function runShell(script: string, what = 'running a build script'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], {timeout: 60_000}, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${what}: ${err.message} ${String(stderr).trim()}`))
      else resolve()
    })
  })
}
