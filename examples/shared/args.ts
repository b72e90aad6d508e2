// Command-line options of the examples: node:util parseArgs (strict) plus numbers, choices and a help text from one spec.
import {parseArgs as nodeParseArgs} from 'node:util';

export type ArgSpec = Record<string, {readonly type: 'string' | 'number' | 'boolean'; readonly default?: string | number | boolean; readonly help: string; readonly choices?: readonly string[]}>;

export class UsageError extends Error {}

/**
 * Parses `argv` with node:util `parseArgs` (`--name value`, `--name=value`, `--flag`; unknown
 * options are errors), then converts numbers and checks choices, which parseArgs does not do.
 * `--help` prints the help text and exits.
 */
export function parseArgs<S extends ArgSpec>(argv: string[], spec: S, usage: string): {[K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string} & {_: string[]} {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText(spec, usage));
    process.exit(0);
  }
  const options = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, {type: v.type === 'boolean' ? 'boolean' as const : 'string' as const}]));
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({args: argv, options, strict: true, allowPositionals: true});
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${helpText(spec, usage)}`);
  }
  const out: Record<string, unknown> = {_: parsed.positionals};
  for (const [k, s] of Object.entries(spec)) {
    const v = parsed.values[k];
    if (v === undefined) { out[k] = s.default; continue; }
    if (s.type === 'number') {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) throw new UsageError(`option --${k} needs a number, got '${v}'`);
      out[k] = n;
    } else {
      if (s.choices && !s.choices.includes(v as string)) throw new UsageError(`option --${k}: '${v}' is not one of ${s.choices.join(', ')}`);
      out[k] = v;
    }
  }
  return out as never;
}

function helpText(spec: ArgSpec, usage: string): string {
  const rows = Object.entries(spec).map(([k, v]) =>
    `  --${k}${v.type === 'boolean' ? '' : ` <${v.choices ? v.choices.join('|') : v.type}>`}`.padEnd(40) +
    `${v.help}${v.default !== undefined && v.type !== 'boolean' ? ` (default ${v.default})` : ''}`);
  return `${usage}\n\noptions:\n${rows.join('\n')}\n  --help                                  this text`;
}

/** Runs main, turning errors into one clear message and a non-zero exit. */
export function runMain(main: () => Promise<void>) {
  main().catch((e) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.DEBUG_EXAMPLES && e instanceof Error) console.error(e.stack);
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}
