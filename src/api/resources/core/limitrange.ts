// LimitRange (core/v1): per-namespace defaults and bounds for container, pod and claim resources, applied by the LimitRanger admission plugin.
import {milli} from '../../quota/amounts.js'
import type {KubeObject, StatusCause} from '../../types.js'
import {forbidden, invalid, required} from '../../validation/errors.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {S} from '../shared/protobuf.js'
import {col, name, NAME} from '../shared/table.js'
import {validateResourceList} from './resourcequota.js'

type ResourceList = Record<string, string | number>

/** One item of a LimitRange: its type and the bounds and defaults for each resource. */
export interface LimitRangeItem {
  type: string
  max?: ResourceList
  min?: ResourceList
  default?: ResourceList
  defaultRequest?: ResourceList
  maxLimitRequestRatio?: ResourceList
}

export interface LimitRange extends KubeObject {
  spec?: {limits?: LimitRangeItem[]}
}

/** SetDefaults_LimitRangeItem: a container's default limit falls back to max, its default request to the default or min. */
function defaultItem(item: LimitRangeItem): void {
  if (item.type !== 'Container') return
  const fill = (into: 'default' | 'defaultRequest', from: ResourceList | undefined) => {
    for (const [k, v] of Object.entries(from ?? {})) {
      const target = (item[into] ??= {})
      if (target[k] === undefined) target[k] = v
    }
  }
  fill('default', item.max)
  fill('defaultRequest', item.default)
  fill('defaultRequest', item.min)
}

function defaults(obj: KubeObject): void {
  for (const item of (obj as LimitRange).spec?.limits ?? []) defaultItem(item)
}

const amount = (v: string | number): bigint | undefined => {
  try {
    return milli(v)
  } catch {
    return undefined
  }
}

/** ValidateLimitRange: quantities, no defaults on Pod items, and min <= defaultRequest <= default <= max per resource. */
function validate(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  ;((obj as LimitRange).spec?.limits ?? []).forEach((item, i) => {
    const p = `spec.limits[${i}]`
    if (!item.type) causes.push(required(`${p}.type`))
    for (const f of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const) causes.push(...validateResourceList(item[f], `${p}.${f}`))
    if (item.type === 'Pod') {
      if (Object.keys(item.default ?? {}).length) causes.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"))
      if (Object.keys(item.defaultRequest ?? {}).length) causes.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"))
    }
    const keys = new Set([item.max, item.min, item.default, item.defaultRequest, item.maxLimitRequestRatio].flatMap((l) => Object.keys(l ?? {})))
    for (const k of keys) {
      const [mn, mx, df, dr, ratio] = [item.min, item.max, item.default, item.defaultRequest, item.maxLimitRequestRatio].map((l) => l?.[k])
      const gt = (a: string | number | undefined, b: string | number | undefined) => {
        const x = a === undefined ? undefined : amount(a)
        const y = b === undefined ? undefined : amount(b)
        return x !== undefined && y !== undefined && x > y
      }
      if (gt(mn, mx)) causes.push(invalid(`${p}.min[${k}]`, mn, `min value ${mn} is greater than max value ${mx}`))
      if (gt(mn, dr)) causes.push(invalid(`${p}.defaultRequest[${k}]`, dr, `min value ${mn} is greater than default request value ${dr}`))
      if (gt(dr, mx)) causes.push(invalid(`${p}.defaultRequest[${k}]`, dr, `default request value ${dr} is greater than max value ${mx}`))
      if (gt(dr, df)) causes.push(invalid(`${p}.defaultRequest[${k}]`, dr, `default request value ${dr} is greater than default limit value ${df}`))
      if (gt(mn, df)) causes.push(invalid(`${p}.default[${k}]`, mn, `min value ${mn} is greater than default value ${df}`))
      if (gt(df, mx)) causes.push(invalid(`${p}.default[${k}]`, mx, `default value ${df} is greater than max value ${mx}`))
      if (ratio !== undefined && (amount(ratio) ?? 1000n) < 1000n) causes.push(invalid(`${p}.maxLimitRequestRatio[${k}]`, ratio, `ratio ${ratio} is less than 1`))
    }
  })
  return causes
}

export const limitRange = defineResource('', 'v1', 'LimitRange', {
  shortNames: ['limits'],
  fields: ['spec'],
  default: defaults,
  validate,
  table: {
    // Kubernetes prints the creation time itself here, not an age.
    columns: [NAME, col('Created At', 'date', 0, 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
    row: (o) => [name(o), o.metadata.creationTimestamp ?? ''],
  },
  patch: builtinPatch,
  protobuf: {
    LimitRange: {1: ['metadata', 'ObjectMeta'], 2: ['spec', 'LimitRangeSpec']},
    LimitRangeSpec: {1: ['limits', 'LimitRangeItem', 'r']},
    LimitRangeItem: {
      1: ['type', S], 2: ['max', 'map<string,Quantity>'], 3: ['min', 'map<string,Quantity>'], 4: ['default', 'map<string,Quantity>'],
      5: ['defaultRequest', 'map<string,Quantity>'], 6: ['maxLimitRequestRatio', 'map<string,Quantity>'],
    },
  },
})
