// Endpoints (core/v1): the endpoints controller's address list per service, with port validation and its table.
import type {KubeObject, StatusCause} from '../../types.js'
import {invalid, notSupported, required} from '../../validation/errors.js'
import {isValidPortNum} from '../../validation/names.js'
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {PROTOCOLS} from '../shared/pod-spec-validation.js'
import {col, nameCellsAge} from '../shared/table.js'

interface EndpointPort {
  name?: string
  port: number
  protocol?: string
}

interface EndpointSubset {
  addresses?: {ip: string}[]
  ports?: EndpointPort[]
}

const subsetsOf = (obj: KubeObject): EndpointSubset[] => obj.subsets ?? []

function validate(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = []
  subsetsOf(obj).forEach((ss, i) => {
    ;(ss.ports ?? []).forEach((p, j) => {
      const path = `subsets[${i}].ports[${j}]`
      for (const m of isValidPortNum(p.port)) causes.push(invalid(`${path}.port`, p.port ?? 0, m))
      if (!p.protocol) causes.push(required(`${path}.protocol`))
      else if (!PROTOCOLS.includes(p.protocol)) causes.push(notSupported(`${path}.protocol`, p.protocol, PROTOCOLS))
    })
  })
  return causes
}

function formatEndpoints(ep: KubeObject): string {
  const subsets = subsetsOf(ep)
  if (subsets.length === 0) return '<none>'
  const list: string[] = []
  const max = 3
  let more = false
  let count = 0
  const hostPort = (ip: string, port: number): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`)
  for (const ss of subsets) {
    const addresses = ss.addresses ?? []
    const ports = ss.ports ?? []
    if (ports.length === 0) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(a.ip)
      }
      continue
    }
    for (const port of ports) {
      count += addresses.length
      for (const a of addresses) {
        if (list.length === max) {
          more = true
          break
        }
        list.push(hostPort(a.ip, port.port))
      }
    }
  }
  const ret = list.join(',')
  return more ? `${ret} + ${count - max} more...` : ret
}

export const endpoints = defineResource('', 'v1', 'Endpoints', {
  resource: 'endpoints',
  shortNames: ['ep'],
  fields: ['subsets'],
  default(obj) {
    for (const ss of subsetsOf(obj)) for (const p of ss.ports ?? []) setIfAbsent(p, 'protocol', 'TCP')
  },
  validate,
  table: nameCellsAge([col('Endpoints', 'string', 0, 'The set of all endpoints is the union of all subsets.')], (o) => [formatEndpoints(o)]),
  patch: builtinPatch,
})
