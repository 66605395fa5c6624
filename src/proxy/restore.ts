// Turns the wanted chains into one iptables-restore batch that rewrites only what changed since the last one (and deletes chains no longer wanted), and runs it.
import {execFile, spawn} from 'node:child_process'
import type {Chains, ProxyRules} from './rules.js'

/** What is in the kernel as far as the proxy knows: chain → its rules joined (undefined content: unknown, rewrite it). */
export interface AppliedState {
  nat: Map<string, string | undefined>
  filter: Map<string, string | undefined>
}

/** An empty state: nothing known to be applied. */
export const emptyState = (): AppliedState => ({nat: new Map(), filter: new Map()})

function tableDiff(table: string, prev: Map<string, string | undefined>, next: Chains): {text: string; changed: number} {
  const declare: string[] = []
  const rules: string[] = []
  const remove: string[] = []
  for (const [chain, lines] of next) {
    if (prev.get(chain) === lines.join('\n') && prev.has(chain)) continue
    // Declaring a chain in a --noflush restore creates it or empties it: its rules are then written in full.
    declare.push(`:${chain} - [0:0]`)
    for (const l of lines) rules.push(`-A ${chain} ${l}`)
  }
  for (const chain of prev.keys()) {
    if (next.has(chain)) continue
    declare.push(`:${chain} - [0:0]`)
    remove.push(`-X ${chain}`)
  }
  if (declare.length === 0) return {text: '', changed: 0}
  return {text: [`*${table}`, ...declare, ...rules, ...remove, 'COMMIT', ''].join('\n'), changed: declare.length}
}

/** The restore input taking the kernel from `prev` to `next`, or '' when nothing changed. */
export function restoreInput(prev: AppliedState, next: ProxyRules): string {
  return tableDiff('nat', prev.nat, next.nat).text + tableDiff('filter', prev.filter, next.filter).text
}

/** The state after `next` was applied. */
export function stateOf(next: ProxyRules): AppliedState {
  const toState = (c: Chains) => new Map([...c].map(([k, v]) => [k, v.join('\n')] as [string, string]))
  return {nat: toState(next.nat), filter: toState(next.filter)}
}

/** Runs a command with stdin; rejects with its stderr. */
export function runWithInput(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['pipe', 'ignore', 'pipe']})
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim()}`))))
    child.stdin.end(input)
  })
}

/** Runs a command; resolves its stdout, rejects with its stderr. */
export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {maxBuffer: 64 << 20}, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`)) : resolve(stdout)))
  })
}

/** Chains already in the kernel (after a restart) whose names start with `prefix`, with unknown content so they are rewritten or deleted. */
export async function existingChains(exec: (cmd: string, args: string[]) => Promise<string> = run, prefix = 'KUBE-'): Promise<AppliedState> {
  const state = emptyState()
  const re = new RegExp(`^:(${prefix}[A-Z0-9-]+) `, 'gm')
  for (const table of ['nat', 'filter'] as const) {
    const out = await exec('iptables-save', ['-t', table]).catch(() => '')
    for (const m of out.matchAll(re)) state[table].set(m[1], undefined)
  }
  return state
}

/** The jumps from the built-in chains into the proxy's, as kube-proxy places them (first in each chain). */
export const JUMPS: Array<{table: string; chain: string; rule: string[]}> = [
  {table: 'nat', chain: 'PREROUTING', rule: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']},
  {table: 'nat', chain: 'OUTPUT', rule: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']},
  {table: 'nat', chain: 'POSTROUTING', rule: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', 'KUBE-POSTROUTING']},
  {table: 'filter', chain: 'OUTPUT', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']},
  {table: 'filter', chain: 'FORWARD', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES']},
  {table: 'filter', chain: 'INPUT', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES']},
  {table: 'filter', chain: 'FORWARD', rule: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', 'KUBE-EXTERNAL-SERVICES']},
]

/** Inserts each jump unless it is there already (idempotent across restarts). */
export async function ensureJumps(exec: (cmd: string, args: string[]) => Promise<string> = run, jumps = JUMPS): Promise<void> {
  for (const j of jumps) {
    const present = await exec('iptables', ['-w', '-t', j.table, '-C', j.chain, ...j.rule]).then(() => true, () => false)
    if (!present) await exec('iptables', ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule])
  }
}
