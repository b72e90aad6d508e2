// Builds dist/ once for every test file that needs it (lock + stamp), so parallel test files never run rollup into dist at once.
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LOCK = join(ROOT, 'out/.dist-build.lock');
const STAMP = join(ROOT, 'out/.dist-build.stamp');
const INPUTS = ['src', 'ops', 'converters', 'rollup.config.js', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time (ms) under the given paths. */
function newest(paths: string[]): number {
  let t = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(p).map((f) => join(p, f))));
    else t = Math.max(t, s.mtimeMs);
  }
  return t;
}

/** dist/ is current when the stamp of the last build is newer than every build input. */
function isFresh(): boolean {
  return existsSync(STAMP) && existsSync(join(ROOT, 'dist/index.mjs')) && existsSync(join(ROOT, 'dist/tfjs-pacc.min.js')) &&
    statSync(STAMP).mtimeMs > newest(INPUTS.map((p) => join(ROOT, p)));
}

function lockIsStale(): boolean {
  try {
    if (Date.now() - statSync(LOCK).mtimeMs > 300_000) return true;
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    process.kill(pid, 0);   // throws when no such process
    return false;
  } catch (e) {
    // No pid file yet: the owner is between mkdir and writing it.
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `rollup -c` unless dist/ is already built from the current sources (or another test file is building it). */
export async function buildDist(): Promise<void> {
  mkdirSync(join(ROOT, 'out'), {recursive: true});
  for (;;) {
    if (isFresh()) return;
    try {
      mkdirSync(LOCK);
    } catch {
      // Someone else builds; a lock whose process is gone (or older than 5 min) is from a killed run.
      if (lockIsStale()) rmSync(LOCK, {recursive: true, force: true});
      await sleep(500);
      continue;
    }
    writeFileSync(join(LOCK, 'pid'), String(process.pid));
    try {
      if (isFresh()) return;
      const started = Date.now();
      execFileSync(process.execPath, [join(ROOT, 'node_modules/rollup/dist/bin/rollup'), '-c'], {cwd: ROOT, stdio: 'pipe', timeout: 240_000});
      writeFileSync(STAMP, `built in ${Date.now() - started} ms\n`);
      // Dated at the start: a source saved during the build makes the next call rebuild.
      utimesSync(STAMP, started / 1000, started / 1000);
      return;
    } finally {
      rmSync(LOCK, {recursive: true, force: true});
    }
  }
}
