// Loads the PyTorch fixtures (NCHW float32 .bin + JSON manifest) and re-lays them out as NHWC / [L,C].
export interface FixtureTensor { shape: number[]; data: Float32Array; }
export interface FixtureCase { name: string; attrs: Record<string, unknown>; tensors: Record<string, FixtureTensor>; }

/** Reads a file of test/fixtures as bytes; Node and the browser each provide one. */
export type ReadFixture = (file: string) => Promise<ArrayBuffer>;

export async function loadFixture(read: ReadFixture, name: string): Promise<FixtureCase> {
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
