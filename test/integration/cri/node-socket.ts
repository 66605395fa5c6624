// Reaches a unix socket inside a node container from the host: a local socket whose every connection is piped through `docker exec -i NODE node`.
//
// Why: the node's /run is a tmpfs the host cannot see, and tests send nothing to node addresses from the host
// (DESIGN.md, network safety). Each gRPC channel is one connection, so one `docker exec` per client.
import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import * as net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const PIPE = "const s=require('net').connect(process.argv[1]);process.stdin.pipe(s);s.pipe(process.stdout);" + "s.on('error',e=>{console.error(String(e));process.exit(1)});s.on('close',()=>process.exit(0))"

export interface NodeSocket {
  /** Host path of the local end. */
  path: string
  close(): Promise<void>
}

/** Serves a host socket forwarding to socketPath inside container. */
export async function forwardNodeSocket(container: string, socketPath: string): Promise<NodeSocket> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-node-sock-'))
  const path = join(dir, 'sock')
  const children = new Set<ReturnType<typeof spawn>>()
  const server = net.createServer((conn) => {
    // stderr ignored: while the runtime starts, connects fail (ENOENT) and the client retries; that is expected.
    const child = spawn('docker', ['exec', '-i', container, 'node', '-e', PIPE, socketPath], {stdio: ['pipe', 'pipe', 'ignore']})
    children.add(child)
    conn.pipe(child.stdin)
    child.stdout.pipe(conn)
    child.on('exit', () => {
      children.delete(child)
      conn.destroy()
    })
    conn.on('close', () => child.kill())
    conn.on('error', () => child.kill())
    child.stdin.on('error', () => conn.destroy())
  })
  await new Promise<void>((resolve, reject) => server.listen(path, resolve).once('error', reject))
  return {
    path,
    async close() {
      for (const c of children) c.kill()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(dir, {recursive: true, force: true})
    },
  }
}
