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
  inflight ??= (async () => {
    if (await has(PAUSE_IMAGE)) return
    await run(pauseImportScript())
    if (!(await has(PAUSE_IMAGE))) throw new Error(`building ${PAUSE_IMAGE} did not produce the image`)
  })().finally(() => {
    inflight = undefined
  })
  return inflight
}

let inflight: Promise<void> | undefined

function runShell(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script], {timeout: 60_000}, (err, _stdout, stderr) => {
      if (err) reject(new Error(`building ${PAUSE_IMAGE}: ${err.message} ${String(stderr).trim()}`))
      else resolve()
    })
  })
}
