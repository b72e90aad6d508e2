// Command lines of the task examples on node:util parseArgs: typed numbers, choices, defaults and --help from one spec.
import {parseArgs} from 'node:util';
import {UsageError} from './args';

export interface OptSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly default?: string | number | boolean;
  readonly help: string;
  readonly choices?: readonly string[];
  /** Numbers: smallest accepted value. */
  readonly min?: number;
  /** Numbers: must be an integer. */
  readonly int?: boolean;
}
export type CliSpec = Record<string, OptSpec>;

type Value<S extends OptSpec> = S['type'] extends 'number' ? number : S['type'] extends 'boolean' ? boolean : string;
export type Parsed<S extends CliSpec> = {[K in keyof S]: S[K] extends {default: unknown} ? Value<S[K]> : S[K]['type'] extends 'boolean' ? boolean : Value<S[K]> | undefined};

export function cliHelp(spec: CliSpec, usage: string): string {
  const rows = Object.entries(spec).map(([k, v]) =>
    `  --${k}${v.type === 'boolean' ? '' : ` <${v.choices ? v.choices.join('|') : v.type}>`}`.padEnd(36) +
    `${v.help}${v.default !== undefined && v.type !== 'boolean' ? ` (default ${v.default})` : ''}`);
  return `${usage}\n\noptions:\n${rows.join('\n')}\n  --help                            this text`;
}

/**
 * Parses `argv` strictly (unknown options and stray positionals are UsageErrors) with node:util's
 * parseArgs, then converts numbers and checks choices and ranges. `--help` prints the help and exits 0.
 */
export function parseCli<S extends CliSpec>(argv: string[], spec: S, usage: string): Parsed<S> {
  const options: Record<string, {type: 'string' | 'boolean'}> = {help: {type: 'boolean'}};
  for (const [k, v] of Object.entries(spec)) options[k] = {type: v.type === 'boolean' ? 'boolean' : 'string'};
  let values: Record<string, string | boolean | undefined>;
  try {
    ({values} = parseArgs({args: argv, options, strict: true, allowPositionals: false}) as {values: Record<string, string | boolean | undefined>});
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${cliHelp(spec, usage)}`);
  }
  if (values.help) {
    console.log(cliHelp(spec, usage));
    process.exit(0);
  }
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(spec)) {
    const raw = values[k];
    if (raw === undefined) { out[k] = s.type === 'boolean' ? (s.default ?? false) : s.default; continue; }
    if (s.type === 'boolean') { out[k] = raw; continue; }
    if (s.type === 'number') {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw new UsageError(`option --${k} needs a number, got '${raw}'`);
      if (s.int && !Number.isInteger(n)) throw new UsageError(`option --${k} needs an integer, got ${raw}`);
      if (s.min !== undefined && n < s.min) throw new UsageError(`option --${k} must be >= ${s.min}, got ${raw}`);
      out[k] = n;
    } else {
      if (s.choices && !s.choices.includes(raw as string)) throw new UsageError(`option --${k}: '${raw}' is not one of ${s.choices.join(', ')}`);
      out[k] = raw;
    }
  }
  return out as Parsed<S>;
}
