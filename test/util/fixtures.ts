// Loads the PyTorch fixtures (NCHW float32 .bin + JSON manifest) and re-lays them out as NHWC / [L,C].
export interface FixtureTensor { shape: number[]; data: Float32Array; }
export interface FixtureCase { name: string; attrs: Record<string, unknown>; tensors: Record<string, FixtureTensor>; }

/** Reads a file of test/fixtures as bytes. */
export type ReadFixture = (file: string) => Promise<ArrayBuffer>;

/** test/fixtures/, relative to this module: a file: URL under Node, the dev server's http: URL in the page. */
const FIXTURES = new URL('../fixtures/', import.meta.url);

/**
 * The one fixture reader, for Node and browser suites alike: the file system
 * under Node, the vitest dev server (which serves the project root) in the page.
 */
export const readFixture: ReadFixture = async (file) => {
  const url = new URL(file, FIXTURES);
  if (url.protocol === 'file:') {
    // Built at run time so the browser bundle never tries to resolve a Node module.
    const fs: typeof import('node:fs/promises') = await import(/* @vite-ignore */ ['node:fs', 'promises'].join('/'));
    const b = await fs.readFile(url);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fixture ${file}: HTTP ${res.status} from the dev server (${url})`);
  return res.arrayBuffer();
};

/** readFixture under a subfolder of test/fixtures (det/, seg/), whose manifests name their files relative to it. */
export const fixtureReader = (folder: string): ReadFixture => (file) => readFixture(`${folder}/${file}`);

/** A little-endian float32 .bin fixture. */
export const readFixtureF32 = async (file: string, read: ReadFixture = readFixture) => new Float32Array(await read(file));

/** A JSON or text fixture. */
export const readFixtureText = async (file: string, read: ReadFixture = readFixture) => new TextDecoder().decode(await read(file));

/** A fixture case (`<name>.json` and its .bin tensors); `read` defaults to readFixture. */
export async function loadFixture(read: ReadFixture, name: string): Promise<FixtureCase>;
export async function loadFixture(name: string): Promise<FixtureCase>;
export async function loadFixture(a: ReadFixture | string, b?: string): Promise<FixtureCase> {
  const [read, name] = typeof a === 'string' ? [readFixture, a] : [a, b!];
  const manifest = JSON.parse(new TextDecoder().decode(await read(`${name}.json`)));
  const tensors: Record<string, FixtureTensor> = {};
  for (const [key, info] of Object.entries<{shape: number[]; file: string}>(manifest.tensors)) {
    tensors[key] = {shape: info.shape, data: new Float32Array(await read(info.file))};
  }
  return {name, attrs: manifest.attrs, tensors};
}

/** NCHW -> NHWC. */
export function nchwToNhwc(t: FixtureTensor): FixtureTensor {
  const [N, C, H, W] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) out[((n * H + i) * W + j) * C + c] = t.data[((n * C + c) * H + i) * W + j];
  return {shape: [N, H, W, C], data: out};
}

/** A PyTorch kernel (C,1,K,1) / (C,1,1,K) or pe (1,C,K,1) / (1,C,1,K) -> [K, C]. */
export function axisTensorToKC(t: FixtureTensor): FixtureTensor {
  const C = t.shape[0] === 1 ? t.shape[1] : t.shape[0];
  const K = t.data.length / C;
  const out = new Float32Array(t.data.length);
  for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) out[k * C + c] = t.data[c * K + k];
  return {shape: [K, C], data: out};
}
