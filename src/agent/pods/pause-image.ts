// Makes the pause image (skiff/pause:1) inside the node: there is no registry to pull one from.
import {execFile} from 'node:child_process'

/** Image every pod sandbox runs. */
export const PAUSE_IMAGE = 'skiff/pause:1'

/**
 * Shell script that imports the node's own /bin/sleep with the shared libraries ldd lists as a one-layer image.
 * Why this: no registry is reachable, the node image has no static sleeper (tini-static needs a child), and a
 * coreutils sleep plus libc is ~2.5 MB, builds in well under a second and works on any architecture the node
 * image is built for. `sleep infinity` as PID 1 ignores SIGTERM (no handler), which is fine: sandboxes are only
 * ever removed with SIGKILL once their app containers are gone.
 */
export function pauseImportScript(image = PAUSE_IMAGE): string {
  return [
    'set -e',
    'libs=$(ldd /bin/sleep | awk \'$2 == "=>" && $3 ~ /^\\// {print $3} $1 ~ /^\\// {print $1}\')',
    // -h stores the files behind merged-usr symlinks (/bin, /lib64) as plain files at the paths the loader uses.
    `tar -ch /bin/sleep $libs 2>/dev/null | docker import -c 'CMD ["/bin/sleep","infinity"]' - ${image} >/dev/null`,
  ].join('\n')
}

/** Builds the pause image unless present (checked with has). Concurrent callers share one build. */
export function ensurePauseImage(has: (ref: string) => Promise<string | undefined>, run: (script: string) => Promise<void> = runShell): Promise<void> {
  return buildImageOnce({image: PAUSE_IMAGE, has, script: pauseImportScript(), run, what: `building ${PAUSE_IMAGE}`})
}

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
