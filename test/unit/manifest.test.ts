// oclif trusts oclif.manifest.json over the code: this fails when the committed manifest drifts from the commands.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'

const root = join(import.meta.dirname, '../..')
const commandsDir = join(root, 'src/commands')

function commandFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? commandFiles(p) : p.endsWith('.ts') ? [p] : []
  })
}

describe('oclif.manifest.json', () => {
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8'))

  it('lists exactly the commands in src/commands', () => {
    const ids = commandFiles(commandsDir).map((f) => relative(commandsDir, f).replace(/\.ts$/, '').split('/').join(':')).sort()
    assert.deepEqual(Object.keys(manifest.commands).sort(), ids, 'run `npm run build` to regenerate the manifest')
  })

  it('has the same flags, args and summary as each command class', async () => {
    for (const file of commandFiles(commandsDir)) {
      const id = relative(commandsDir, file).replace(/\.ts$/, '').split('/').join(':')
      const cls = (await import(file)).default
      const entry = manifest.commands[id]
      const flags = Object.keys({...cls.flags, ...(cls.enableJsonFlag ? {json: true} : {})}).sort()
      assert.deepEqual(Object.keys(entry.flags).filter((f) => f !== 'json' || cls.enableJsonFlag).sort(), flags, `flags of ${id} drifted: run \`npm run build\``)
      assert.deepEqual(Object.keys(entry.args ?? {}).sort(), Object.keys(cls.args ?? {}).sort(), `args of ${id} drifted`)
      assert.equal(entry.summary, cls.summary, `summary of ${id} drifted`)
    }
  })
})
