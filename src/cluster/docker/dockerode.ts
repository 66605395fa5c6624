// Loads dockerode with its two rarely used parts deferred: ssh2 (ssh:// engines) and the gRPC session (BuildKit), which are most of its start-up cost.
import {createRequire, Module} from 'node:module'
import type DockerodeType from 'dockerode'

const requireHere = createRequire(import.meta.url)
const dockerodeMain = requireHere.resolve('dockerode')
const requireFromDockerode = createRequire(dockerodeMain)
const requireFromModem = createRequire(requireFromDockerode.resolve('docker-modem'))

type Loader = (id: string) => unknown

/**
 * Puts a stand-in for a module that exports one function into the require cache: dockerode's `require` then finds it,
 * and the real module (with its heavy dependencies) is loaded on the first call. A CLI run that talks to the local
 * socket and never builds through BuildKit never loads ssh2 or @grpc/grpc-js (about 0.2 s of start-up).
 */
function deferFunctionModule(load: NodeJS.Require, id: string): void {
  let path: string
  try {
    path = load.resolve(id)
  } catch {
    return // another dockerode layout: load it as it is
  }
  if (requireHere.cache[path]) return
  let real: ((...args: unknown[]) => unknown) | undefined
  const standIn = function (this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete requireHere.cache[path]
      real = (load as Loader)(path) as (...args: unknown[]) => unknown
    }
    return real.apply(this, args)
  }
  const mod = new Module(path)
  mod.filename = path
  mod.loaded = true
  mod.exports = standIn
  requireHere.cache[path] = mod
}

deferFunctionModule(requireFromModem, './ssh.js')
deferFunctionModule(requireFromDockerode, './session.js')

/** The dockerode class. */
const Dockerode: typeof DockerodeType = requireHere('dockerode')
export default Dockerode
