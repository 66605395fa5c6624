// Makes the pause image inside a CRI node and imports it into containerd's k8s.io namespace (no registry to pull from).
import {PAUSE_IMAGE, buildImageOnce} from '../pods/pause-image.js'

/** containerd namespace the CRI plugin keeps its images and containers in. */
export const CRI_NAMESPACE = 'k8s.io'

/**
 * Shell script that packs the node's /bin/sleep and the libraries ldd lists as a one-layer image in `docker save`
 * format (manifest.json + config + layer: sha256sum and printf are all it takes) and pipes it into
 * `ctr images import`. Why sleep: no registry is reachable, the node image has no static sleeper (tini-static
 * needs a child), and a coreutils sleep plus libc is ~2.5 MB, builds in well under a second and works on any
 * architecture the node image is built for. `sleep infinity` as PID 1 ignores SIGTERM (no handler), which is fine:
 * sandboxes are only ever removed with SIGKILL once their app containers are gone. tar -h stores the files behind
 * merged-usr symlinks (/bin, /lib64) as plain files at the paths the loader uses.
 */
export function pauseArchiveImportScript(image = PAUSE_IMAGE, snapshotter = 'overlayfs'): string {
  return [
    'set -e',
    'd=$(mktemp -d)',
    'trap \'rm -rf "$d"\' EXIT',
    'libs=$(ldd /bin/sleep | awk \'$2 == "=>" && $3 ~ /^\\// {print $3} $1 ~ /^\\// {print $1}\')',
    'tar -ch /bin/sleep $libs 2>/dev/null >"$d/layer.tar"',
    'diff=$(sha256sum "$d/layer.tar" | cut -d" " -f1)',
    'mkdir "$d/$diff" && mv "$d/layer.tar" "$d/$diff/layer.tar"',
    `printf '{"architecture":"%s","os":"linux","config":{"Cmd":["/bin/sleep","infinity"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$(dpkg --print-architecture)" "$diff" >"$d/config.json"`,
    'cfg=$(sha256sum "$d/config.json" | cut -d" " -f1)',
    'mv "$d/config.json" "$d/$cfg.json"',
    `printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$cfg" '${image}' "$diff" >"$d/manifest.json"`,
    `tar -C "$d" -c manifest.json "$cfg.json" "$diff" | ctr -n ${CRI_NAMESPACE} images import --snapshotter ${snapshotter} - >/dev/null`,
  ].join('\n')
}

/**
 * Builds and imports the pause image unless `has` finds it (the CRI image service's ImageStatus). Concurrent
 * callers share one build.
 */
export function ensureCriPauseImage(has: (ref: string) => Promise<unknown>, opts: {snapshotter?: string; run?: (script: string) => Promise<void>} = {}): Promise<void> {
  return buildImageOnce({image: PAUSE_IMAGE, has, script: pauseArchiveImportScript(PAUSE_IMAGE, opts.snapshotter), run: opts.run, what: `importing ${PAUSE_IMAGE} into containerd`})
}
