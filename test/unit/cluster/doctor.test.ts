// skiff doctor's checks fed fake inputs: each problem is found with a fix, a healthy machine passes, routes parse from /proc/net/route.
import assert from 'node:assert/strict'
import {type DoctorInputs, doctorTable, parseRoutes, runChecks} from '../../../src/cluster/doctor/checks.js'

const GiB = 1024 ** 3
const healthy: DoctorInputs = {
  engine: {version: '27.3.1', apiVersion: '1.47', cgroupVersion: '2', cgroupDriver: 'systemd', rootDir: '/var/lib/docker', networkSubnets: ['172.17.0.0/16'], local: true},
  cgroupFs: 'cgroup2fs',
  inotifyInstances: 8192,
  inotifyWatches: 524288,
  pidMax: 4194304,
  threadsMax: 200000,
  freeDiskBytes: 80 * GiB,
  freeDiskPath: '/var/lib/docker',
  routes: [
    {iface: 'eth0', cidr: '0.0.0.0/0'},
    {iface: 'eth0', cidr: '192.168.1.0/24'},
    {iface: 'docker0', cidr: '172.17.0.0/16'},
    {iface: 'br-1234', cidr: '172.30.0.0/24'},
  ],
}
const byName = (i: DoctorInputs) => Object.fromEntries(runChecks(i).map((r) => [r.name, r]))

// /proc/net/route of a machine with a default route, its LAN, docker0 and a VPN claiming 10.0.0.0/8.
const PROC_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0
`

describe('skiff doctor checks', () => {
  it('parses /proc/net/route into CIDRs', () => {
    assert.deepEqual(parseRoutes(PROC_ROUTE), [
      {iface: 'eth0', cidr: '0.0.0.0/0'},
      {iface: 'eth0', cidr: '192.168.1.0/24'},
      {iface: 'docker0', cidr: '172.17.0.0/16'},
      {iface: 'tun0', cidr: '10.0.0.0/8'},
    ])
  })

  it('passes a healthy machine (a skiff cluster network on its own bridge is no clash)', () => {
    const results = runChecks(healthy)
    assert.deepEqual(results.filter((r) => r.status !== 'ok'), [])
    assert.equal(results.length, 9)
  })

  it('fails an unreachable engine and says how to start it', () => {
    const r = byName({...healthy, engine: undefined, engineError: 'cannot reach the Docker engine at unix:///var/run/docker.sock: ENOENT'})['Docker engine']
    assert.equal(r.status, 'fail')
    assert.match(r.detail, /ENOENT/)
    assert.match(r.fix!, /systemctl start docker/)
  })

  it('warns about an old engine and about cgroup v1', () => {
    const r = byName({...healthy, engine: {...healthy.engine!, version: '19.03.2', cgroupVersion: '1'}, cgroupFs: 'tmpfs'})
    assert.equal(r['Docker engine'].status, 'warn')
    assert.equal(r.cgroups.status, 'warn')
    assert.match(r.cgroups.fix!, /systemd\.unified_cgroup_hierarchy=1/)
  })

  it('grades inotify limits: fail below the minimum, warn below the recommendation, with the sysctl to run', () => {
    const low = byName({...healthy, inotifyInstances: 64, inotifyWatches: 100000})
    assert.equal(low['inotify instances'].status, 'fail')
    assert.match(low['inotify instances'].fix!, /sysctl -w fs\.inotify\.max_user_instances=512/)
    assert.equal(low['inotify watches'].status, 'warn')
    assert.match(low['inotify watches'].fix!, /max_user_watches=524288/)
    assert.equal(byName({...healthy, inotifyInstances: undefined})['inotify instances'].status, 'warn')
  })

  it('fails a low pid limit and low free disk', () => {
    const r = byName({...healthy, pidMax: 16384, freeDiskBytes: 1 * GiB})
    assert.equal(r['pid limits'].status, 'fail')
    assert.match(r['pid limits'].fix!, /kernel\.pid_max/)
    assert.equal(r['free disk'].status, 'fail')
    assert.match(r['free disk'].detail, /1\.0 GiB free at \/var\/lib\/docker/)
    assert.equal(byName({...healthy, freeDiskBytes: 5 * GiB})['free disk'].status, 'warn')
  })

  it('finds host routes that clash with the pod, service and cluster-network ranges', () => {
    const routes = parseRoutes(PROC_ROUTE)
    const r = byName({...healthy, routes: [...routes, {iface: 'wg0', cidr: '10.96.5.0/24'}, {iface: 'tun1', cidr: '172.31.0.0/16'}]})
    assert.equal(r['pod subnet'].status, 'fail')
    assert.match(r['pod subnet'].detail, /10\.0\.0\.0\/8 \(tun0\)/)
    assert.match(r['pod subnet'].fix!, /networking\.podSubnet/)
    assert.equal(r['service subnet'].status, 'fail')
    assert.match(r['service subnet'].detail, /10\.96\.5\.0\/24 \(wg0\)/)
    // Half the pool is taken by a non-Docker route: new clusters may still find a /24, so only a warning.
    assert.equal(r['cluster networks'].status, 'warn')
    assert.equal(byName({...healthy, routes: [{iface: 'tun0', cidr: '172.16.0.0/12'}]})['cluster networks'].status, 'fail')
  })

  it('prints a table with a fix line under each problem', () => {
    const lines = doctorTable(runChecks({...healthy, inotifyInstances: 64}))
    const i = lines.findIndex((l) => l.startsWith('inotify instances'))
    assert.match(lines[i], /FAIL/)
    assert.match(lines[i + 1], /^\s+fix: sudo sysctl/)
    assert.match(lines[0], /^CHECK\s+STATUS\s+DETAIL$/)
  })
})
