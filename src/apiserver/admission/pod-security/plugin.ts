// PodSecurity admission: a namespace's pod-security.kubernetes.io/enforce label refuses pods that break its level.
import type {KubeObject} from '../../../api/types.js'
import type {ServerContext} from '../../context.js'
import {keyOf} from '../../context.js'
import {ApiError} from '../../errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from '../types.js'
import {type Level, type PodSpecLike, violations} from './checks.js'

const LABEL = 'pod-security.kubernetes.io/'
const LEVELS = new Set<string>(['privileged', 'baseline', 'restricted'])

/** The level a namespace's `mode` label (enforce, warn, audit) names, with its version ("latest" unless set). */
export function modeLevel(ns: KubeObject | undefined, mode: 'enforce' | 'warn'): {level: Level; version: string} | undefined {
  const labels = ns?.metadata.labels ?? {}
  const level = labels[`${LABEL}${mode}`]
  if (!level || !LEVELS.has(level)) return undefined
  return {level: level as Level, version: labels[`${LABEL}${mode}-version`] ?? 'latest'}
}

/** The namespace's enforced level and version label ("latest" unless set), or undefined when it enforces nothing. */
export function enforcedLevel(ns: KubeObject | undefined): {level: Level; version: string} | undefined {
  return modeLevel(ns, 'enforce')
}

/** Kubernetes' refusal: `pods "x" is forbidden: violates PodSecurity "restricted:latest": a, b`. */
export function podSecurityForbidden(name: string, level: string, version: string, vs: string[]): ApiError {
  return new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: violates PodSecurity "${level}:${version}": ${vs.join(', ')}`, {name, group: '', kind: 'pods'})
}

/** Workload kinds whose pod template PodSecurity checks, warning only (resource -> path to the pod spec). */
const TEMPLATES: Record<string, (o: Record<string, unknown>) => unknown> = {
  deployments: o => spec(o)?.template, replicasets: o => spec(o)?.template, statefulsets: o => spec(o)?.template,
  daemonsets: o => spec(o)?.template, jobs: o => spec(o)?.template, replicationcontrollers: o => spec(o)?.template,
  cronjobs: o => (spec(spec(o)?.jobTemplate as Record<string, unknown>)?.template),
}
function spec(o: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return o?.spec as Record<string, unknown> | undefined
}

/** A workload's template is not refused (its pods will be), but both enforce and warn levels warn, as upstream does. */
function warnTemplate(a: AdmissionAttributes, ns: KubeObject | undefined): void {
  const pick = TEMPLATES[a.def.resource]
  const tmpl = pick?.(a.object as unknown as Record<string, unknown>) as {spec?: PodSpecLike} | undefined
  if (!tmpl?.spec || !a.warn) return
  const seen = new Set<string>()
  for (const m of [modeLevel(ns, 'enforce'), modeLevel(ns, 'warn')]) {
    if (!m || seen.has(m.level)) continue
    seen.add(m.level)
    const vs = violations(m.level, tmpl.spec)
    if (vs.length) a.warn(`would violate PodSecurity "${m.level}:${m.version}": ${vs.join(', ')}`)
  }
}

/** Pods only, on create and on updates (Kubernetes skips updates that change only metadata; so does this). */
async function validate(a: AdmissionAttributes, ctx: ServerContext): Promise<void> {
  if (a.subresource || !a.namespace || !a.object) return
  if (TEMPLATES[a.def.resource] && (a.def.group === 'apps' || a.def.group === 'batch' || a.def.group === '')) {
    const nsDef = ctx.registry.lookup('', 'v1', 'namespaces')
    if (nsDef && a.warn) warnTemplate(a, (await ctx.store.get(keyOf(nsDef, undefined, a.namespace)))?.value)
    return
  }
  if (a.def.group !== '' || a.def.resource !== 'pods') return
  const spec = (a.object as KubeObject & {spec?: PodSpecLike}).spec ?? {}
  if (a.operation === 'UPDATE' && JSON.stringify(spec) === JSON.stringify((a.oldObject as (KubeObject & {spec?: unknown}) | undefined)?.spec)) return
  const nsDef = ctx.registry.lookup('', 'v1', 'namespaces')
  if (!nsDef) return
  const ns = (await ctx.store.get(keyOf(nsDef, undefined, a.namespace)))?.value
  // warn mode: the same text kubectl prints as `Warning: would violate PodSecurity "restricted:latest": ...`.
  const warn = modeLevel(ns, 'warn')
  const wv = warn ? violations(warn.level, spec) : []
  if (warn && wv.length && a.warn) a.warn(`would violate PodSecurity "${warn.level}:${warn.version}": ${wv.join(', ')}`)
  const enforce = enforcedLevel(ns)
  if (!enforce) return
  const vs = violations(enforce.level, spec)
  if (vs.length) throw podSecurityForbidden(a.name || a.object.metadata.generateName || '', enforce.level, enforce.version, vs)
}

export const podSecurity: AdmissionPlugin<ServerContext> = {name: 'PodSecurity', operations: ['CREATE', 'UPDATE'], validate}
