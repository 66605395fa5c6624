// `skiff apply --prune` refuses kubectl's refused flag combinations before reading manifests or reaching a cluster.
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {buildKubeconfig, mergeKubeconfig} from '../../../src/cluster/kubeconfig.js'
import {runSkiff} from './run.js'

describe('skiff apply --prune flags', () => {
  const refused = async (args: string[]) => {
    const {stderr, error} = await runSkiff(['apply', '-f', '/nonexistent.yaml', '--kubeconfig', '/nonexistent', ...args])
    return `${stderr}${error?.message ?? ''}`
  }

  it('refuses --prune without -l or --all, naming both ways out', async () => {
    assert.match(await refused(['--prune']), /all resources selected for prune without explicitly passing --all.*specify a label selector/)
  })

  it('refuses --all together with -l, and --prune-allowlist without --prune or with a malformed kind', async () => {
    assert.match(await refused(['--prune', '--all', '-l', 'app=x']), /cannot set --all and --selector at the same time/)
    assert.match(await refused(['--prune-allowlist', 'core/v1/ConfigMap']), /--prune-allowlist must be used with --prune/)
    assert.match(await refused(['--prune', '--all', '--prune-allowlist', 'ConfigMap']), /invalid GroupVersionKind format: ConfigMap/)
  })

  it('gets past the checks with -l (and then fails only on the missing kubeconfig)', async () => {
    const out = await refused(['--prune', '-l', 'app=x'])
    assert.match(out, /cannot load kubeconfig/)
    assert.doesNotMatch(out, /prune/)
  })

  it('refuses to go on when -l leaves no object to apply, before reaching the server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiff-prune-'))
    try {
      const kubeconfig = join(dir, 'config')
      // Port 1 answers nothing: the command must stop before any request.
      await mergeKubeconfig(kubeconfig, buildKubeconfig('demo', 'https://127.0.0.1:1', 'CA', 'C', 'K'), true)
      await writeFile(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {app: a}}\n')
      const {stderr, error} = await runSkiff(['apply', '-f', join(dir, 'cm.yaml'), '--kubeconfig', kubeconfig, '--prune', '-l', 'app=b'])
      assert.match(`${stderr}${error?.message ?? ''}`, /no objects passed to apply \(none match the selector app=b\)/)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
