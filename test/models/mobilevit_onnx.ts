// Test helper: reads the float initializers of the MobileViT ONNX fixture and names them by PyTorch state_dict key.
// A minimal protobuf walk (ModelProto.graph -> nodes, initializers); nothing else of ONNX is interpreted.

interface Field { field: number; wire: number; value: number | Uint8Array; }

function* fields(buf: Uint8Array): Generator<Field> {
  let i = 0;
  const varint = () => {
    let result = 0, scale = 1;
    for (;;) {
      const b = buf[i++];
      if (b === undefined) throw new Error('onnx: truncated varint');
      result += (b & 0x7f) * scale; // arithmetic, not bit ops: int64 dims may exceed 31 bits
      scale *= 128;
      if (b < 0x80) return result;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8), wire = key & 7;
    if (wire === 0) yield {field, wire, value: varint()};
    else if (wire === 2) {
      const n = varint();
      if (i + n > buf.length) throw new Error(`onnx: field ${field} runs past the end`);
      yield {field, wire, value: buf.subarray(i, i + n)};
      i += n;
    } else if (wire === 5) { i += 4; } else if (wire === 1) { i += 8; } else throw new Error(`onnx: unsupported wire type ${wire}`);
  }
}

const text = (v: number | Uint8Array) => new TextDecoder().decode(v as Uint8Array);

export interface OnnxTensor { shape: number[]; data: Float32Array; }

/**
 * Returns `{torchKey: tensor}`. Named initializers (LayerNorm, biases, classifier) keep their
 * PyTorch names. Anonymous ones (`onnx::*`) are named from the node that reads them, whose output
 * name carries the module scope (e.g. `/layer_3/layer_3.1/local_rep/conv_3x3/block/conv/Conv_output_0`):
 * a Conv weight / bias is BN-folded (`<module>.weight`, `<module>.bias`), a MatMul weight is the
 * transposed Linear weight and is transposed back to PyTorch's (out, in).
 */
export function onnxTorchWeights(bytes: Uint8Array): Map<string, OnnxTensor> {
  let graph: Uint8Array | undefined;
  for (const f of fields(bytes)) if (f.field === 7) graph = f.value as Uint8Array;
  if (!graph) throw new Error('onnx: no graph');
  const inits = new Map<string, OnnxTensor>();
  const nodes: {op: string; inputs: string[]; outputs: string[]}[] = [];
  for (const f of fields(graph)) {
    if (f.field === 5) {
      const shape: number[] = [];
      let name = '', dtype = 0, raw: Uint8Array | undefined;
      for (const t of fields(f.value as Uint8Array)) {
        if (t.field === 1) {
          if (t.wire === 0) shape.push(t.value as number);
          else for (const p of fields(t.value as Uint8Array)) shape.push(p.value as number); // never packed in practice
        } else if (t.field === 2) dtype = t.value as number;
        else if (t.field === 8) name = text(t.value);
        else if (t.field === 9) raw = t.value as Uint8Array;
      }
      if (dtype !== 1) continue; // only float32 weights matter
      if (!raw) throw new Error(`onnx: initializer ${name} has no raw_data`);
      inits.set(name, {shape, data: new Float32Array(raw.slice().buffer)});
    } else if (f.field === 1) {
      const node = {op: '', inputs: [] as string[], outputs: [] as string[]};
      for (const t of fields(f.value as Uint8Array)) {
        if (t.field === 1) node.inputs.push(text(t.value));
        else if (t.field === 2) node.outputs.push(text(t.value));
        else if (t.field === 4) node.op = text(t.value);
      }
      nodes.push(node);
    }
  }
  // The exporter deduplicates equal initializers and re-exposes them through Identity nodes.
  for (const n of nodes) if (n.op === 'Identity' && inits.has(n.inputs[0])) inits.set(n.outputs[0], inits.get(n.inputs[0])!);

  const scopeOf = (output: string) => {
    const parts = output.split('/').filter((s) => s.length > 0).slice(0, -1);
    const path: string[] = [];
    for (const p of parts) {
      if (path.length > 0 && p.startsWith(`${path[path.length - 1]}.`)) path[path.length - 1] = p;
      else path.push(p);
    }
    return path.join('.');
  };
  const out = new Map<string, OnnxTensor>();
  for (const [name, t] of inits) if (!name.startsWith('onnx::')) out.set(name, t);
  for (const n of nodes) {
    const anon = n.inputs.filter((x) => x.startsWith('onnx::') && inits.has(x));
    if (anon.length === 0) continue;
    const scope = scopeOf(n.outputs[0]);
    if (n.op === 'Conv') {
      out.set(`${scope}.weight`, inits.get(n.inputs[1])!);
      if (n.inputs[2]) out.set(`${scope}.bias`, inits.get(n.inputs[2])!);
    } else if (n.op === 'MatMul' && anon[0] === n.inputs[1]) {
      const {shape: [cin, cout], data} = inits.get(n.inputs[1])!;
      const w = new Float32Array(data.length);
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) w[o * cin + i] = data[i * cout + o];
      out.set(`${scope}.weight`, {shape: [cout, cin], data: w});
    } else {
      throw new Error(`onnx: unexpected anonymous initializer in ${n.op} node ${n.outputs[0]}`);
    }
  }
  return out;
}
