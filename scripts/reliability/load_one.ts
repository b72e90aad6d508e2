// Converts one checkpoint file (argv: path arch) and prints 'loaded', or 'rejected: <message>'; run under /usr/bin/time -v to measure peak RSS.
import {readFileSync} from 'node:fs';
import '@tensorflow/tfjs-backend-cpu';
import {convertTorchCheckpoint} from '../../converters/torch/from_checkpoint';

const [path, arch = 'paccnet-xs'] = process.argv.slice(2);
try {
  const r = convertTorchCheckpoint(new Uint8Array(readFileSync(path)), {arch: arch as 'paccnet-xs'});
  console.log(`loaded: ${r.params} params`);
} catch (e) {
  console.log(`rejected: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
}
