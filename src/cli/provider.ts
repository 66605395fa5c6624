// The one place commands get their container-engine Provider from; tests swap the factory for a fake.
import {DockerProvider} from '../cluster/docker/provider.js'
import type {Provider} from '../cluster/provider.js'

// Kept on globalThis rather than in a module variable: under mocha + tsx a test file is loaded as CommonJS while
// oclif imports the commands as ES modules, so this module exists twice and both copies must see one factory.
const FACTORY = Symbol.for('skiff.cli.providerFactory')
const slot = globalThis as typeof globalThis & {[FACTORY]?: () => Provider}

/** The Provider commands pass to the cluster library: the host's Docker engine unless a test replaced it. */
export function engineProvider(): Provider {
  return slot[FACTORY]?.() ?? new DockerProvider()
}

/** Makes engineProvider() return what `next` makes (for tests); returns a function that restores Docker. */
export function useProviderFactory(next: () => Provider): () => void {
  slot[FACTORY] = next
  return () => {
    delete slot[FACTORY]
  }
}
