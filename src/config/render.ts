// Writes a cluster config file's text from a few answers (skiff config init), checked by the strict loader before it is written.
import yaml from 'js-yaml'
import {CONFIG_API_VERSION, CONFIG_KIND, decodeConfigText} from './load.js'
import type {OptionalComponent} from './types.js'

/** What `config init` asks for. */
export interface InitAnswers {
  name: string
  workers: number
  /** Per-worker limits; undefined leaves the worker unlimited. */
  cpus?: number
  memory?: string
  /** Built-in components to turn off (written as `components: {NAME: false}`). */
  disable?: OptionalComponent[]
}

/** The YAML text of a config with one control plane, `workers` limited workers and the components turned off; throws when the loader would refuse it. */
export function renderConfig(a: InitAnswers): string {
  const worker: Record<string, unknown> = {role: 'worker'}
  if (a.cpus !== undefined) worker.cpus = a.cpus
  if (a.memory !== undefined) worker.memory = a.memory
  const doc = {
    apiVersion: CONFIG_API_VERSION,
    kind: CONFIG_KIND,
    name: a.name,
    nodes: [{role: 'control-plane'}, ...Array.from({length: a.workers}, () => ({...worker}))],
    ...(a.disable?.length ? {components: Object.fromEntries(a.disable.map((c) => [c, false]))} : {}),
  }
  const text = `# skiff cluster config: skiff cluster create --config FILE (fields: templates/cluster.schema.json)\n${yaml.dump(doc, {lineWidth: 120})}`
  decodeConfigText(text, '(generated)')
  return text
}
