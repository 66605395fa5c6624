// The Store contract against EtcdStore on a real etcd process (Debian's etcd-server).
import {EtcdStore} from '../../../src/store/index.js'
import {startEtcd, type TestEtcd} from '../../helpers/etcd.js'
import {storeContract} from '../../helpers/store-contract.js'

describe('with a real etcd', function () {
  this.timeout(30_000)
  let etcd: TestEtcd
  before(async () => { etcd = await startEtcd() })
  after(async () => etcd?.stop())
  storeContract('etcd', async () => {
    // Tests share one etcd; each wipes /registry/ afterwards so the next starts empty.
    const store = new EtcdStore({hosts: etcd.endpoint})
    await store.list('/') // connect
    return {store, compact: rev => store.compact(rev), done: async () => {
      const all = await store.list('/registry/')
      for (const it of all.items) await store.delete(it.key)
      await store.close()
    }}
  })
})
