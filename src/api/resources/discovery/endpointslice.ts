// EndpointSlice (discovery.k8s.io/v1): a slice of a service's endpoints, defaulted and printed like the real server.
import {defineResource} from '../def.js'
import {builtinPatch} from '../shared/patch.js'
import {setIfAbsent} from '../shared/pod-defaults.js'
import {col, nameCellsAge} from '../shared/table.js'

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',')
  if (more) return `${ret} + ${count - max} more...`
  return ret === '' ? '<unset>' : ret
}
function formatSlicePorts(ports: {port?: number; name?: string}[] | undefined): string {
  const list: string[] = []
  let more = false
  let count = 0
  for (const p of ports ?? []) {
    if (list.length < 3) list.push(p.port != null ? String(p.port) : p.name != null ? p.name : '*')
    else if (list.length === 3) more = true
    count++
  }
  return listWithMore(list, more, count, 3)
}
function formatSliceEndpoints(endpoints: {addresses?: string[]}[] | undefined): string {
  const list: string[] = []
  let more = false
  let count = 0
  for (const e of endpoints ?? []) {
    for (const a of e.addresses ?? []) {
      if (list.length < 3) list.push(a)
      else if (list.length === 3) more = true
      count++
    }
  }
  return listWithMore(list, more, count, 3)
}

export const endpointSlice = defineResource('discovery.k8s.io', 'v1', 'EndpointSlice', {
  fields: ['addressType', 'endpoints', 'ports'],
  default(obj) {
    for (const p of obj.ports ?? []) {
      setIfAbsent(p, 'protocol', 'TCP')
      if (p.name === undefined) p.name = ''
    }
  },
  table: nameCellsAge(
    [
      col('AddressType', 'string', 0, 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'string', 0, 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'string', 0, 'endpoints is a list of unique endpoints in this slice.'),
    ],
    (o) => [o.addressType ?? '', formatSlicePorts(o.ports), formatSliceEndpoints(o.endpoints)],
  ),
  patch: builtinPatch,
})
