// What every bundled app and the script-tag page run in Chromium: the native op on webgl and wasm vs plain loops, then a PaCC-Net.

/** Deterministic values in [-1, 1) (no Math.random: a failure must reproduce). */
function values(n, seed) {
  let s = seed >>> 0;
  return Float32Array.from({length: n}, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** y[n,i,j,c] = bias[c] + sum_k filter[k,c] * (x+pe)[n, (i+k) mod H, j, c] for 'h' (the same along W for 'w'). */
function reference(x, [N, H, W, C], filter, bias, pe, dir) {
  const y = new Float64Array(N * H * W * C);
  const L = dir === 'h' ? H : W;
  const xp = (n, i, j, c) => x[((n * H + i) * W + j) * C + c] + pe[(dir === 'h' ? i : j) * C + c];
  for (let n = 0; n < N; n++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) for (let c = 0; c < C; c++) {
    let acc = bias[c];
    for (let k = 0; k < L; k++) {
      acc += filter[k * C + c] * (dir === 'h' ? xp(n, (i + k) % H, j, c) : xp(n, i, (j + k) % W, c));
    }
    y[((n * H + i) * W + j) * C + c] = acc;
  }
  return y;
}

function maxRelErr(got, want) {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / Math.max(scale, 1e-12);
}

async function checkBackend(tf, pacc, backend, log) {
  if (!(await tf.setBackend(backend))) throw new Error(`backend '${backend}' did not initialise`);
  await tf.ready();
  const kernel = tf.getKernel(pacc.PositionAwareCircularConv, backend);
  if (kernel == null) throw new Error(`kernel ${pacc.PositionAwareCircularConv} is not registered for '${backend}'`);
  const before = tf.memory().numTensors;
  const shape = [2, 7, 5, 6];
  const x = values(shape.reduce((a, b) => a * b), 1);
  for (const dir of ['h', 'w']) {
    const L = dir === 'h' ? shape[1] : shape[2];
    const filter = values(L * shape[3], 2);
    const bias = values(shape[3], 3);
    const pe = values(L * shape[3], 4);
    const y = tf.tidy(() => pacc.positionAwareCircularConv(tf.tensor4d(x, shape), tf.tensor2d(filter, [L, shape[3]]), {
      direction: dir, bias: tf.tensor1d(bias), positionEmbedding: tf.tensor2d(pe, [L, shape[3]]),
    }));
    const err = maxRelErr(await y.data(), reference(x, shape, filter, bias, pe, dir));
    y.dispose();
    log[`${backend}_${dir}_relerr`] = err;
    if (!(err < 1e-5)) throw new Error(`${backend} '${dir}': max relative error ${err} vs the reference (tolerance 1e-5)`);
  }
  if (tf.memory().numTensors !== before) throw new Error(`${backend}: ${tf.memory().numTensors - before} tensors leaked`);
}

/** Runs the checks (tf: tfjs-core, tfl: tfjs-layers; the global tf for both on the script-tag page); the result lands in window.__paccResult ({ok, log} or {ok: false, error}). */
export async function runChecks(tf, tfl, pacc, setWasmPaths) {
  const log = {};
  try {
    setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    for (const backend of ['webgl', 'wasm']) await checkBackend(tf, pacc, backend, log);
    // Layer registration survived tree-shaking: the model round-trips through its JSON.
    // A small PaCC-Net (XS's design with two short stages): SwiftShader compiles every webgl shader
    // the first time, and the full XS costs ~25 s per page that way.
    const config = {
      ...pacc.models.PACCNET_CONFIGS.xs,
      stages: [
        {kind: 'mv2', outChannels: 16, numBlocks: 1, stride: 1, expandRatio: 2},
        {kind: 'frame', outChannels: 32, stride: 2, expandRatio: 2, cfS: 32, ffnDim: 64, numBlocks: 1, metaSize: 16},
      ],
    };
    const model = pacc.models.paccNet({config, numClasses: 10, inputShape: [32, 32, 3]});
    log.params = model.countParams();
    const input = tf.tensor4d(values(32 * 32 * 3, 5), [1, 32, 32, 3]);
    const probs = {};
    for (const backend of ['webgl', 'wasm']) {
      await tf.setBackend(backend);
      const y = model.predict(input);
      probs[backend] = Array.from(await y.data());
      y.dispose();
      if (probs[backend].length !== 10 || !probs[backend].every(Number.isFinite)) {
        throw new Error(`${backend}: PaCC-Net predict gave ${probs[backend].length} values, not 10 finite logits`);
      }
    }
    log.logitsDiff = maxRelErr(probs.webgl, probs.wasm);
    if (!(log.logitsDiff < 1e-3)) throw new Error(`PaCC-Net logits differ between webgl and wasm by ${log.logitsDiff} (relative)`);
    const json = model.toJSON(null, false);
    const names = JSON.stringify(json).match(/"class_name":"(Pacc[A-Za-z]*)"/g) ?? [];
    if (names.length === 0) throw new Error('the PaCC-Net JSON names no Pacc* layer');
    const again = await tfl.loadLayersModel({load: async () => ({modelTopology: json})});
    log.reloadedLayers = again.layers.length;
    if (again.layers.length !== model.layers.length) throw new Error(`reloaded model has ${again.layers.length} layers, not ${model.layers.length}`);
    input.dispose();
    window.__paccResult = {ok: true, log};
  } catch (e) {
    window.__paccResult = {ok: false, error: String(e?.stack ?? e), log};
  }
}
