// Runs skiff commands in-process with @oclif/test's runCommand, from the TypeScript sources rather than dist/.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {Config, Plugin} from '@oclif/core'
import {runCommand} from '@oclif/test'

const root = join(import.meta.dirname, '../../..')
let config: Promise<Config> | undefined

/**
 * A Config whose root plugin reads src/commands and ignores oclif.manifest.json (which names dist/ files), so the
 * commands share module instances with the test and the provider factory the test replaces is the one they call.
 */
function sourceConfig(): Promise<Config> {
  config ??= (async () => {
    const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    const plugin = new Plugin({root, isRoot: true, ignoreManifest: true, pjson: {...pjson, oclif: {...pjson.oclif, commands: './src/commands'}}})
    await plugin.load()
    return Config.load({root, plugins: new Map([[plugin.name, plugin]])})
  })()
  return config
}

/** Runs `skiff ARGS` and captures its output (ANSI codes stripped unless asked to keep them), result and error. */
export async function runSkiff<T>(args: string[], capture: {stripAnsi?: boolean} = {}) {
  return runCommand<T>(args, await sourceConfig(), capture)
}
