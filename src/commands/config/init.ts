// `skiff config init`: writes a cluster config file, asking on a terminal (inquirer) or from flags otherwise.
import {Flags} from '@oclif/core'
import {access, writeFile} from 'node:fs/promises'
import {cpus as hostCpus} from 'node:os'
import {SkiffCommand} from '../../cli/base.js'
import {cpuProblem, memoryOrProblem} from '../../config/decode-node.js'
import {validateClusterName} from '../../config/names.js'
import {renderConfig, type InitAnswers} from '../../config/render.js'
import {SkiffError} from '../../errors.js'
import {OPTIONAL_COMPONENTS, type OptionalComponent} from '../../api/contract.js'

/** What --json prints. */
export interface InitResult {
  file: string
  config: InitAnswers
}

export default class ConfigInit extends SkiffCommand {
  static override summary = 'Write a cluster config file.'
  static override description =
    'Asks for the cluster name, the number of workers, their CPU and memory limits and the built-in components to turn off when run on a terminal; otherwise (or with --yes) takes them from the flags. The file is checked by the same strict loader `cluster create --config` uses before it is written.'
  static override enableJsonFlag = true
  static override examples = [
    '<%= config.bin %> config init',
    '<%= config.bin %> config init --workers 2 --cpus 1 --memory 1Gi -o skiff.yaml',
    '<%= config.bin %> config init --yes --name ci --workers 0 --output - ',
    '<%= config.bin %> config init --yes --disable ingress --disable storage',
  ]
  static override flags = {
    name: Flags.string({description: 'cluster name', default: 'skiff'}),
    workers: Flags.integer({char: 'w', description: 'number of worker nodes', default: 2, min: 0, max: 100}),
    cpus: Flags.string({description: 'CPU limit of each worker (cores, e.g. 1 or 1.5)'}),
    memory: Flags.string({description: 'memory limit of each worker (e.g. 1Gi, 512Mi)'}),
    disable: Flags.string({description: 'turn off a built-in component (repeatable)', multiple: true, options: [...OPTIONAL_COMPONENTS]}),
    output: Flags.string({char: 'o', description: 'file to write ("-" for standard output)', default: 'skiff.yaml'}),
    force: Flags.boolean({char: 'f', description: 'overwrite an existing file'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask, even on a terminal'}),
  }

  async run(): Promise<InitResult> {
    const {flags} = await this.parse(ConfigInit)
    let answers: InitAnswers = {name: flags.name, workers: flags.workers, cpus: flags.cpus === undefined ? undefined : Number(flags.cpus), memory: flags.memory, ...(flags.disable ? {disable: flags.disable as OptionalComponent[]} : {})}
    if (process.stdin.isTTY && process.stdout.isTTY && !flags.yes && !this.jsonEnabled()) answers = await ask(answers)
    check(answers)
    const text = renderConfig(answers)
    if (flags.output === '-') {
      process.stdout.write(text)
    } else {
      if (!flags.force && (await access(flags.output).then(() => true, () => false))) {
        throw new SkiffError(`${flags.output} already exists`, {exitCode: 2, suggestions: ['Pass --force to overwrite it, or -o OTHER_FILE.']})
      }
      await writeFile(flags.output, text)
      if (!this.jsonEnabled()) this.log(`Wrote ${flags.output}; create the cluster with: ${this.config.bin} cluster create --config ${flags.output}`)
    }
    return {file: flags.output, config: answers}
  }
}

function check(a: InitAnswers): void {
  const nameErr = validateClusterName(a.name)
  if (nameErr) throw new SkiffError(nameErr, {exitCode: 2})
  if (a.cpus !== undefined) {
    const p = cpuProblem(a.cpus, hostCpus().length || undefined)
    if (p) throw new SkiffError(`--cpus ${p}`, {exitCode: 2})
  }
  if (a.memory !== undefined) {
    const m = memoryOrProblem(a.memory)
    if (typeof m === 'string') throw new SkiffError(`--memory ${m}`, {exitCode: 2})
  }
}

/** The interactive questions, defaulting to the flags. */
async function ask(defaults: InitAnswers): Promise<InitAnswers> {
  const {default: inquirer} = await import('inquirer')
  const host = hostCpus().length || 1
  const r = await inquirer.prompt<{name: string; workers: number; limit: boolean; cpus?: string; memory?: string; disable: OptionalComponent[]}>([
    {type: 'input', name: 'name', message: 'Cluster name', default: defaults.name, validate: (v: string) => validateClusterName(v) ?? true},
    {type: 'number', name: 'workers', message: 'Worker nodes', default: defaults.workers, validate: (v: number | undefined) => (Number.isInteger(v) && v! >= 0 && v! <= 100) || 'a whole number from 0 to 100'},
    {type: 'confirm', name: 'limit', message: 'Limit each worker\'s CPU and memory?', default: defaults.cpus !== undefined || defaults.memory !== undefined},
    {type: 'input', name: 'cpus', message: `CPUs per worker (this machine has ${host})`, default: String(defaults.cpus ?? 1), when: (x: {limit: boolean}) => x.limit, validate: (v: string) => cpuProblem(Number(v), host) ?? true},
    {type: 'input', name: 'memory', message: 'Memory per worker', default: defaults.memory ?? '1Gi', when: (x: {limit: boolean}) => x.limit, validate: (v: string) => {
      const m = memoryOrProblem(v)
      return typeof m === 'string' ? m : true
    }},
    {type: 'checkbox', name: 'disable', message: 'Built-in components to turn off (none: all on)', choices: OPTIONAL_COMPONENTS.map((c) => ({name: c, value: c, checked: defaults.disable?.includes(c) ?? false}))},
  ])
  return {name: r.name, workers: r.workers, ...(r.limit ? {cpus: Number(r.cpus), memory: r.memory} : {}), ...(r.disable.length ? {disable: r.disable} : {})}
}
