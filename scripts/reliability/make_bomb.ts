// Writes the issue-19 hostile checkpoint: a ~1 MiB .pt whose one storage inflates to 1 GiB (streamed, so making it is cheap).
import {writeFileSync} from 'node:fs';
import {Zip, ZipDeflate, ZipPassThrough} from 'fflate';
import {statePickle} from '../../test/converters/torch_writer';

/** Bytes of a torch.save zip with one float32 tensor of `numel` zeros, deflated. */
export function makeBomb(numel = 2 ** 28, key = 'conv_1.block.conv.weight'): Uint8Array {
  const pkl = statePickle([[key, {dtype: 'float32', storage: [], declaredNumel: numel, shape: [numel]}]], ['0']);
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => { if (err) throw err; parts.push(chunk); });
  const add = (name: string, data: Uint8Array) => { const f = new ZipPassThrough(name); zip.add(f); f.push(data, true); };
  add('archive/data.pkl', pkl);
  const big = new ZipDeflate('archive/data/0', {level: 9});
  zip.add(big);
  const zeros = new Uint8Array(1 << 20);
  const chunks = (numel * 4) / zeros.length;
  for (let i = 0; i < chunks; i++) big.push(zeros, i === chunks - 1);
  add('archive/version', new TextEncoder().encode('3\n'));
  zip.end();
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

if (process.argv[1]?.endsWith('make_bomb.ts')) {
  const path = process.argv[2] ?? '/tmp/bomb_1gib.pt';
  const b = makeBomb();
  writeFileSync(path, b);
  console.log(`${path}: ${b.length} bytes, storage inflates to ${2 ** 30} bytes`);
}
