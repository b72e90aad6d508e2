// The `tfjs-pacc` command line: argument parsing, progress, summary and exit codes (the entry point is cli.ts).
import {readFile, stat} from 'node:fs/promises';
import {parseArgs} from 'node:util';
import {io} from '@tensorflow/tfjs-core';
import {convertTorchCheckpoint, TORCH_ARCHS, TorchArch} from './torch/from_checkpoint';
import {saveArtifactsToDir, saveLayersModelToDir} from './save_dir';
import {WEIGHT_QUANTIZATIONS, WeightQuantization} from './quantize';
import {fileSystem} from '../src/io/file_system';

export const HELP = `tfjs-pacc: tools for PaCC-Net / ParC-Net / EdgeFormer in TensorFlow.js

Usage:
  tfjs-pacc convert <checkpoint.pt> --arch <arch> --out <dir> [options]
  tfjs-pacc convert <model.json> --out <dir> --quantize <dtype>
  tfjs-pacc --help | convert --help

convert: turns an official PyTorch checkpoint (a state_dict saved with torch.save,
e.g. checkpoint_ema_avg.pt) into a tfjs LayersModel folder: <dir>/model.json plus
<dir>/group1-shard*of*.bin. Nothing in the checkpoint is executed: only tensors,
dicts and torch's tensor constructors are accepted; any other pickled object is
refused by name. Given a tfjs model.json instead (e.g. a model saved by
\`npm run demo\`), convert re-encodes its weights (--quantize) into <dir>.

Options:
  --arch <arch>        Architecture of the checkpoint (required): ${TORCH_ARCHS.join(', ')}
  --out <dir>          Output folder (required); created if missing, files in it are overwritten
  --quantize <dtype>   Smaller weight files in tfjs's own quantised format, dequantised to
                       float32 by tf.loadLayersModel (no extra code on load):
                         float16  half size, about 1e-3 relative rounding per weight
                         uint16   half size, affine per weight (min + q*scale, 0 exact)
                         uint8    quarter size, affine per weight (range/255 steps)
  --dtype <dtype>      float32 (default) or float16 (same as --quantize float16)
  --num-classes <n>    Classifier width; default: taken from classifier.fc.weight
  --input-size <s>     Fix the input to s x s x 3 (a multiple of 32); default: any square
                       size that is a multiple of 32 (input shape [null, null, 3])
  --shard-mb <mb>      Weight shard size in MiB (default 4)
  -q, --quiet          No progress lines, only the summary
  -h, --help           This help

Load the result (the model uses tfjs-pacc layers, so import tfjs-pacc first):
  import * as tf from '@tensorflow/tfjs';
  import * as pacc from 'tfjs-pacc';
  const model = await tf.loadLayersModel(pacc.io.fileSystem('<dir>'));  // Node
  const model = await tf.loadLayersModel('https://.../<dir>/model.json'); // browser
Input: NHWC float32, BGR channel order, pixels / 255 (the official eval convention).

Exit status: 0 on success, 1 when the conversion fails (unreadable, corrupt or hostile
file, state_dict not matching the architecture: every mismatching key is listed),
2 on a usage error.`;

export interface CliIO { out: (s: string) => void; err: (s: string) => void; }
const stdio: CliIO = {out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n')};

class UsageError extends Error {}

function parseConvert(argv: string[]) {
  const {values, positionals} = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      'arch': {type: 'string'}, 'out': {type: 'string'}, 'dtype': {type: 'string', default: 'float32'}, 'quantize': {type: 'string'},
      'num-classes': {type: 'string'}, 'input-size': {type: 'string'}, 'shard-mb': {type: 'string', default: '4'},
      'quiet': {type: 'boolean', short: 'q', default: false}, 'help': {type: 'boolean', short: 'h', default: false},
    },
  });
  if (values.help) return {help: true as const};
  if (positionals.length !== 1) throw new UsageError(`convert needs exactly one checkpoint path, got ${positionals.length}${positionals.length ? ` (${positionals.join(' ')})` : ''}`);
  const fromJson = positionals[0].toLowerCase().endsWith('.json');
  if (fromJson) {
    for (const o of ['arch', 'num-classes', 'input-size'] as const) {
      if (values[o] !== undefined) throw new UsageError(`--${o} applies to .pt checkpoints only; '${positionals[0]}' is a tfjs model.json`);
    }
  } else {
    if (!values.arch) throw new UsageError(`--arch is required (${TORCH_ARCHS.join(', ')})`);
    if (!(TORCH_ARCHS as string[]).includes(values.arch)) throw new UsageError(`--arch must be one of ${TORCH_ARCHS.join(', ')}, got '${values.arch}'`);
  }
  if (!values.out) throw new UsageError('--out <dir> is required');
  if (values.dtype !== 'float32' && values.dtype !== 'float16') throw new UsageError(`--dtype must be float32 or float16, got '${values.dtype}'`);
  const q = values.quantize;
  if (q !== undefined && !(WEIGHT_QUANTIZATIONS as readonly string[]).includes(q)) throw new UsageError(`--quantize must be one of ${WEIGHT_QUANTIZATIONS.join(', ')}, got '${q}'`);
  if (q !== undefined && values.dtype === 'float16' && q !== 'float16') throw new UsageError(`--dtype float16 and --quantize ${q} contradict each other; pass only --quantize`);
  const dtype = (q ?? values.dtype) as 'float32' | WeightQuantization;
  if (fromJson && dtype === 'float32') throw new UsageError(`a tfjs model.json input needs --quantize (${WEIGHT_QUANTIZATIONS.join(', ')})`);
  const posInt = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
    return n;
  };
  const inputSize = posInt('input-size', values['input-size']);
  if (inputSize !== undefined && inputSize % 32) throw new UsageError(`--input-size must be a multiple of 32, got ${inputSize}`);
  const shardMb = Number(values['shard-mb']);
  if (!(shardMb > 0)) throw new UsageError(`--shard-mb must be a positive number, got '${values['shard-mb']}'`);
  return {
    help: false as const, checkpoint: positionals[0], fromJson, arch: values.arch as TorchArch, out: values.out, dtype,
    numClasses: posInt('num-classes', values['num-classes']), inputSize, shardBytes: Math.round(shardMb * 1024 * 1024), quiet: values.quiet,
  };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

/** `convert model.json --quantize …`: re-encodes the weights of an existing tfjs model folder. */
async function requantise(args: {checkpoint: string; out: string; dtype: 'float32' | WeightQuantization; shardBytes: number}, step: (m: string) => void, cli: CliIO, t0: number): Promise<number> {
  step(`reading ${args.checkpoint}`);
  const artifacts = await fileSystem(args.checkpoint).load!();
  const before = artifacts.weightData == null ? 0 : new io.CompositeArrayBuffer(artifacts.weightData).byteLength;
  step(`saving ${args.dtype} weights to ${args.out}`);
  const saved = await saveArtifactsToDir(artifacts, args.out, {dtype: args.dtype, shardBytes: args.shardBytes, convertedBy: 'tfjs-pacc convert'});
  cli.out([
    `converted ${args.checkpoint} -> ${args.out}/model.json (${args.dtype} weights)`,
    `  weights: ${mb(before)} -> ${mb(saved.weightBytes)} in ${saved.files.length - 1} shard(s)`,
    `  time: ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  ].join('\n'));
  return 0;
}

/** Runs the CLI and returns its exit code (it never calls process.exit, so tests can drive it). */
export async function runCli(argv: string[], cli: CliIO = stdio): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    cli.out(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'convert') {
    cli.err(`tfjs-pacc: unknown command '${command}' (try: tfjs-pacc --help)`);
    return 2;
  }
  let args;
  try {
    args = parseConvert(rest);
  } catch (e) {
    cli.err(`tfjs-pacc convert: ${(e as Error).message}\nRun 'tfjs-pacc convert --help' for usage.`);
    return 2;
  }
  if (args.help) { cli.out(HELP); return 0; }
  const t0 = performance.now();
  const step = (msg: string) => { if (!args.quiet) cli.err(`[${((performance.now() - t0) / 1000).toFixed(1)}s] ${msg}`); };
  try {
    const info = await stat(args.checkpoint).catch(() => { throw new Error(`cannot read '${args.checkpoint}': no such file`); });
    if (!info.isFile()) throw new Error(`'${args.checkpoint}' is not a file`);
    if (args.fromJson) return await requantise(args, step, cli, t0);
    const bytes = new Uint8Array(await readFile(args.checkpoint));
    const conv = convertTorchCheckpoint(bytes, {
      arch: args.arch, numClasses: args.numClasses,
      inputShape: args.inputSize ? [args.inputSize, args.inputSize, 3] : undefined,
      onProgress: (_phase, msg) => step(msg),
    });
    try {
      for (const w of conv.warnings) cli.err(`warning: ${w}`);
      step(`saving ${args.dtype} weights to ${args.out}`);
      const saved = await saveLayersModelToDir(conv.model, args.out, {dtype: args.dtype, shardBytes: args.shardBytes, convertedBy: 'tfjs-pacc convert'});
      const secs = (performance.now() - t0) / 1000;
      cli.out([
        `converted ${args.checkpoint} -> ${args.out}/model.json (${args.arch})`,
        `  parameters: ${conv.params.toLocaleString('en-US')} trainable; ${conv.values.toLocaleString('en-US')} values loaded`,
        `  checkpoint: ${conv.keys} keys (${conv.plainDict ? 'plain dict' : 'OrderedDict'}${conv.wrapperKey ? ` under '${conv.wrapperKey}'` : ''}), ${conv.loaded} loaded, ${conv.ignored.length} ignored (num_batches_tracked, aliases)`,
        `  output: ${saved.files.length - 1} shard(s), ${mb(saved.weightBytes)} of ${args.dtype} weights`,
        `  time: ${secs.toFixed(1)} s`,
      ].join('\n'));
    } finally {
      conv.model.dispose();
    }
    return 0;
  } catch (e) {
    cli.err(`tfjs-pacc convert: error: ${(e as Error).message}`);
    return 1;
  }
}
