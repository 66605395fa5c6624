// Base class of skiff commands: prints SkiffErrors as a message plus what to do, never as a stack.
import {Command} from '@oclif/core'
import chalk from 'chalk'
import type {ProgressMode} from '../cluster/create/index.js'
import {SkiffError} from '../errors.js'

/** Every skiff command extends this; library errors meant for users carry exit codes and suggestions. */
export abstract class SkiffCommand extends Command {
  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isSkiffError(err)) {
      this.error(err.message, {exit: err.exitCode, suggestions: err.suggestions.length ? err.suggestions : undefined})
    }
    return super.catch(err)
  }

  /** Whether to print colour: chalk's detection (a terminal that shows it; FORCE_COLOR), and never with NO_COLOR set (no-color.org). */
  protected colour(): boolean {
    return chalk.level > 0 && !process.env.NO_COLOR
  }

  /** How long-running work shows progress: nothing with --json, animated on a terminal, line by line elsewhere. */
  protected progressMode(): ProgressMode {
    return this.jsonEnabled() ? 'silent' : process.stdout.isTTY ? 'default' : 'simple'
  }
}

/**
 * True for a SkiffError, also one made by another copy of src/errors.ts (under mocha + tsx a test loads the sources
 * as CommonJS while oclif imports the commands as ES modules, and a fake provider's error comes from the test's copy).
 */
function isSkiffError(err: Error): err is SkiffError {
  return err instanceof SkiffError || (err.name === 'SkiffError' && typeof (err as Partial<SkiffError>).exitCode === 'number' && Array.isArray((err as Partial<SkiffError>).suggestions))
}

/** Parses durations like 90s, 5m, 1m30s or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text)
  if (!m || text === '') throw new SkiffError(`invalid duration "${text}": use e.g. 90s, 5m or 1m30s`, {exitCode: 2})
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
}
