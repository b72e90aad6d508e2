// Data sources of the task examples: the default synthetic scene set (from Fashion-MNIST items) or a folder named by --data kind:<dir>.
import {BUNDLED_FASHION_MNIST, fashionMnist} from './datasets';
import {UsageError} from './args';
import {makeScenes, SceneSet} from './scenes';

export interface DataArg { kind: 'synthetic' | 'coco' | 'voc'; dir?: string; }

/** Parses `--data`: 'synthetic' or '<kind>:<dir>' with kind in `kinds`. */
export function parseDataArg(value: string, kinds: ('coco' | 'voc')[]): DataArg {
  if (value === 'synthetic') return {kind: 'synthetic'};
  const m = /^([a-z]+):(.+)$/.exec(value);
  if (!m || !kinds.includes(m[1] as 'coco' | 'voc')) {
    throw new UsageError(`--data must be 'synthetic' or ${kinds.map((k) => `'${k}:<dir>'`).join(' / ')}, got '${value}'`);
  }
  return {kind: m[1] as 'coco' | 'voc', dir: m[2]};
}

export interface SceneSplitOptions { items: string; count: number; size: number; seed: number; }

/**
 * A synthetic scene split: training scenes paste Fashion-MNIST training items, validation scenes the
 * test items (so no item is shared), from the bundled subset by default; the seed differs per split.
 */
export function sceneSplit(split: 'train' | 'val', o: SceneSplitOptions): SceneSet {
  const items = fashionMnist(o.items ?? BUNDLED_FASHION_MNIST, split === 'train' ? 'train' : 'test', 1);
  return makeScenes(items, {count: o.count, size: o.size, seed: o.seed * 2 + (split === 'train' ? 0 : 1)});
}
