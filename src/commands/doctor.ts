// `skiff doctor`: checks this machine and its Docker engine for what clusters need, with a fix for each problem; exit 1 when a check fails.
import {Flags} from '@oclif/core'
import {Chalk} from 'chalk'
import {SkiffCommand} from '../cli/base.js'
import {engineProvider} from '../cli/provider.js'
import {type CheckResult, doctorTable, runChecks} from '../cluster/doctor/checks.js'
import {gatherInputs} from '../cluster/doctor/gather.js'

/** What --json prints. */
export interface DoctorResult {
  ok: boolean
  checks: CheckResult[]
}

export default class Doctor extends SkiffCommand {
  static override summary = 'Check this machine and its Docker engine for running clusters.'
  static override description =
    'Checks the Docker engine (reachable, version), cgroups (v2 recommended), inotify limits, pid limits, free disk where the engine keeps its data, and whether host routes clash with the default pod (10.244.0.0/16), service (10.96.0.0/16) and cluster-network (172.30.0.0/15) ranges. Reads files and asks the engine; sends no traffic. Exits 1 when a check fails (warnings do not).'
  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override flags = {
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json']}),
  }

  async run(): Promise<DoctorResult> {
    const {flags} = await this.parse(Doctor)
    const checks = runChecks(await gatherInputs(engineProvider()))
    const result = {ok: !checks.some((c) => c.status === 'fail'), checks}
    if (flags.output === 'json') this.log(JSON.stringify(result, null, 2))
    else if (!this.jsonEnabled()) {
      const c = new Chalk({level: this.colour() ? 1 : 0})
      for (const line of doctorTable(checks, {ok: c.green, warn: c.yellow, fail: c.red})) this.log(line)
      const problems = checks.filter((x) => x.status !== 'ok').length
      this.log(problems === 0 ? '\nEverything looks fine.' : `\n${problems} problem(s)${result.ok ? ' (warnings only)' : ''}.`)
    }
    if (!result.ok) process.exitCode = 1
    return result
  }
}
