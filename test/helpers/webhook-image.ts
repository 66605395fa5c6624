// The e2e webhook image: the host's node binary, the libraries it links, and test/fixtures/webhook/server.mjs, imported into Docker (no registry).
import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {repo, run} from './cli.js'

export const WEBHOOK_IMAGE = 'skiff/webhook-test:e2e'

/** Builds WEBHOOK_IMAGE with `docker import` from a minimal root (node plus its shared libraries). */
export async function buildWebhookImage(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'skiff-webhook-img-'))
  try {
    const node = execFileSync('sh', ['-c', 'readlink -f "$(command -v node)"']).toString().trim()
    const libs = execFileSync('ldd', [node]).toString().split('\n').map((l) => /(\/\S+) \(0x/.exec(l)?.[1]).filter((p): p is string => !!p)
    for (const f of [node, ...libs]) {
      const to = join(root, f === node ? '/bin/node' : f)
      mkdirSync(dirname(to), {recursive: true})
      copyFileSync(f, to)
    }
    mkdirSync(join(root, 'tmp'), {recursive: true})
    mkdirSync(join(root, 'etc'), {recursive: true})
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/node\n')
    copyFileSync(join(repo, 'test/fixtures/webhook/server.mjs'), join(root, 'server.mjs'))
    const tar = join(tmpdir(), `skiff-webhook-img-${process.pid}.tar`)
    execFileSync('tar', ['-C', root, '-cf', tar, '.'])
    const r = await run('docker', ['import', '-c', 'CMD ["/bin/node", "/server.mjs"]', tar, WEBHOOK_IMAGE], {timeoutMs: 300_000})
    rmSync(tar, {force: true})
    if (r.code !== 0) throw new Error(`docker import failed: ${r.stderr}`)
    return WEBHOOK_IMAGE
  } finally {
    rmSync(root, {recursive: true, force: true})
  }
}
