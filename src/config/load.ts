/**
 * Reading and validating the configuration file. Every error names the file, the key and the problem.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parse as parseToml } from 'smol-toml';
import { LoftError } from '../core/errors.ts';
import { type Config, configSchema } from './schema.ts';

/** Validates a parsed object; throws LoftError('INVALID') whose message lists each bad key. */
export function validateConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      return `${key}: ${issue.message}`;
    });
    throw new LoftError('INVALID', `${source}: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Loads a TOML config file, or the defaults when `file` is undefined. */
export function loadConfig(file: string | undefined): Config {
  if (file === undefined) return validateConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new LoftError('INVALID', `cannot read config file ${file}: ${code}`);
  }
  let parsed: unknown;
  try {
    parsed = parseToml(text);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new LoftError('INVALID', `${file}: not valid TOML: ${message}`);
  }
  return validateConfig(parsed, file);
}

/** The hostname Loft calls itself: the configured one, else the machine's. */
export function effectiveHostname(config: Config): string {
  return (config.hostname ?? os.hostname()).toLowerCase();
}
