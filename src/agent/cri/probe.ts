// The agent's runtime probe over CRI: the node is Ready only while containerd's CRI answers.
import type {RuntimeProbe} from '../runtime-probe.js'
import type {CriClient} from './client.js'

/** Answers ping with a CRI Version call (2 s deadline) and reports the runtime's version as "containerd://1.6.20". */
export function criProbe(client: CriClient): RuntimeProbe {
  return {
    async ping() {
      await Promise.race([client.version(), new Promise((_, reject) => setTimeout(() => reject(new Error('CRI Version: timed out')), 2000).unref())])
    },
    async version() {
      const v = await client.version()
      return `${v.runtimeName}://${v.runtimeVersion}`
    },
  }
}
