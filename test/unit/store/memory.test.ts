// The Store contract against MemoryStore (the etcd half runs in test/integration/store).
import {MemoryStore} from '../../../src/store/index.js'
import {storeContract} from '../../helpers/store-contract.js'

storeContract('memory', async () => {
  const store = new MemoryStore()
  return {store, compact: rev => store.compact(rev), done: () => store.close()}
})
