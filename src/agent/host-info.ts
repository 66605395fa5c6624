// Facts about the node container that go into nodeInfo: OS image, kernel, machine and boot ids.
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import * as os from 'node:os'

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

/** PRETTY_NAME from an os-release file's text, e.g. "Debian GNU/Linux 12 (bookworm)". */
export function parseOsRelease(text: string): string | undefined {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text)
  return m ? m[1].trim().replace(/^"(.*)"$/, '$1') : undefined
}

/**
 * Identity and OS facts of this node. Machine id and system UUID are derived from the node name: every node container
 * comes from the same image (one baked-in /etc/machine-id) on the same host (one DMI uuid), so the files would not
 * tell nodes apart.
 */
export function readHostInfo(nodeName: string): {kernelVersion: string; osImage: string; machineID: string; systemUUID: string; bootID: string} {
  const derived = createHash('sha256').update(`skiff-node/${nodeName}`).digest('hex')
  const machineID = derived.slice(0, 32)
  const uuid = `${derived.slice(0, 8)}-${derived.slice(8, 12)}-${derived.slice(12, 16)}-${derived.slice(16, 20)}-${derived.slice(20, 32)}`
  return {
    kernelVersion: os.release(),
    osImage: parseOsRelease(read('/etc/os-release') ?? '') ?? 'Linux',
    machineID,
    systemUUID: uuid,
    bootID: read('/proc/sys/kernel/random/boot_id') ?? uuid,
  }
}
