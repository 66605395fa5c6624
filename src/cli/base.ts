// Base class of skiff commands: prints SkiffErrors as a message plus what to do, never as a stack.
import {Command} from '@oclif/core'
import {SkiffError} from '../errors.js'

/** Every skiff command extends this; library errors meant for users carry exit codes and suggestions. */
export abstract class SkiffCommand extends Command {
  protected override async catch(err: Error & {exitCode?: number}): Promise<any> {
    if (err instanceof SkiffError) {
      this.error(err.message, {exit: err.exitCode, suggestions: err.suggestions.length ? err.suggestions : undefined})
    }
    return super.catch(err)
  }
}

/** Parses durations like 90s, 5m, 1m30s or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text)
  if (!m || text === '') throw new SkiffError(`invalid duration "${text}": use e.g. 90s, 5m or 1m30s`, {exitCode: 2})
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
}
