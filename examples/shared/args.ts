// A small strict command-line parser: --name value / --flag, unknown options are errors.
export type ArgSpec = Record<string, {readonly type: 'string' | 'number' | 'boolean'; readonly default?: string | number | boolean; readonly help: string; readonly choices?: readonly string[]}>;

export class UsageError extends Error {}

export function parseArgs<S extends ArgSpec>(argv: string[], spec: S, usage: string): {[K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string} & {_: string[]} {
  const out: Record<string, unknown> = {_: []};
  for (const [k, v] of Object.entries(spec)) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      console.log(helpText(spec, usage));
      process.exit(0);
    }
    if (!a.startsWith('--')) { (out._ as string[]).push(a); continue; }
    const name = a.slice(2);
    const s = spec[name];
    if (!s) throw new UsageError(`unknown option ${a}\n\n${helpText(spec, usage)}`);
    if (s.type === 'boolean') { out[name] = true; continue; }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`option ${a} needs a value`);
    if (s.type === 'number') {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new UsageError(`option ${a} needs a number, got '${v}'`);
      out[name] = n;
    } else {
      if (s.choices && !s.choices.includes(v)) throw new UsageError(`option ${a}: '${v}' is not one of ${s.choices.join(', ')}`);
      out[name] = v;
    }
  }
  return out as never;
}

export function helpText(spec: ArgSpec, usage: string): string {
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
