// Cell formatting helpers shared by the Table printers: ages, label maps and label selectors as the apiserver renders them.
import {formatLabelSelector, selectorString, type LabelSelector} from '../../selectors.js'
export {formatLabelSelector, selectorString, type LabelSelector}

/**
 * Kubernetes' HumanDuration (k8s.io/apimachinery/pkg/util/duration): ~2-3 significant figures,
 * e.g. 45s, 5m30s, 3h12m, 2d5h, 10d, 3y20d. Small negative skews (clock drift) print as 0s.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.trunc(seconds / 60)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 180) return `${minutes}m`
  const hours = Math.trunc(seconds / 3600)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365
    const y = Math.trunc(hours / 24 / 365)
    return dy === 0 ? `${y}y` : `${y}y${dy}d`
  }
  return `${Math.trunc(hours / 24 / 365)}y`
}

/** Age of a timestamp relative to now; "<unknown>" when unset, like translateTimestampSince. */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>'
  const t = Date.parse(timestamp)
  if (Number.isNaN(t)) return '<unknown>'
  return humanDuration(now.getTime() - t)
}

/** labels.FormatLabels: sorted k=v pairs joined by commas, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort()
  if (keys.length === 0) return '<none>'
  return keys.map((k) => `${k}=${labels![k]}`).join(',')
}


/** Containers' names and images, comma separated, as layoutContainerCells does. */
export function containerCells(containers: unknown): [string, string] {
  const list = Array.isArray(containers) ? (containers as {name?: string; image?: string}[]) : []
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')]
}
