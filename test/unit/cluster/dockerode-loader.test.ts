// The deferred dockerode loader: ssh2 and gRPC stay unloaded until an ssh:// engine or a BuildKit session needs them, and then work.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import Dockerode from '../../../src/cluster/docker/dockerode.js'

const require = createRequire(import.meta.url)
const CHECK = `const {createRequire} = await import('node:module'); const m = await import('./src/cluster/docker/dockerode.ts');
const seen = (pkg) => Object.keys(createRequire(process.cwd() + '/').cache).some((p) => p.includes('/node_modules/' + pkg + '/'));
console.log(JSON.stringify({dockerode: typeof m.default, ssh2: seen('ssh2'), grpc: seen('@grpc/grpc-js')}))`
const loaded = (pkg: string) => Object.keys(require.cache).some((p) => p.includes(`/node_modules/${pkg}/`))

describe('dockerode loader', () => {
  it('loads dockerode without ssh2 or @grpc/grpc-js', () => {
    // A fresh process: other tests of this run may have loaded gRPC already.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', CHECK], {cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8'})
    assert.deepEqual(JSON.parse(out), {dockerode: 'function', ssh2: false, grpc: false})
  })

  it('still reaches an ssh:// engine through the real ssh2 on first use', async () => {
    // Nothing listens on port 1: the real ssh client must try and be refused (a stand-in bug would throw a TypeError).
    const docker = new Dockerode({protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'nobody'} as ConstructorParameters<typeof Dockerode>[0])
    await assert.rejects(docker.ping(), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(String(err)))
    assert.equal(loaded('ssh2'), true)
  })
})
