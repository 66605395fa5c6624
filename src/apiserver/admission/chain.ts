// Runs the server's admission plugins over one write: every mutating phase in order, or every validating one.
import type {AdmissionAttributes, AdmissionPlugin} from './types.js'

function applies(p: AdmissionPlugin, a: AdmissionAttributes): boolean {
  return !p.operations || p.operations.includes(a.operation)
}

/** The mutating phase: plugins in order, each seeing the previous one's changes. */
export async function admitMutating<Ctx>(plugins: readonly AdmissionPlugin<Ctx>[], attrs: AdmissionAttributes, ctx: Ctx): Promise<void> {
  for (const p of plugins) if (p.mutate && applies(p, attrs)) await p.mutate(attrs, ctx)
}

/** The validating phase: every plugin must accept; the first refusal is the answer. */
export async function admitValidating<Ctx>(plugins: readonly AdmissionPlugin<Ctx>[], attrs: AdmissionAttributes, ctx: Ctx): Promise<void> {
  for (const p of plugins) if (p.validate && applies(p, attrs)) await p.validate(attrs, ctx)
}
