// Trains an SSD detector (official recipe: AdamW, warm-up + cosine, EMA, multibox loss neg:pos 3) on synthetic scenes or a COCO folder; checkpoints and --resume.
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {trainDetection, TRAIN_OPTIONS} from './lib';

runMain(async () => {
  const a = parseCli(process.argv.slice(2), TRAIN_OPTIONS, 'usage: npx tsx examples/detection/train.ts [options]');
  const {history, out, model} = await trainDetection(a);
  const last = history[history.length - 1];
  console.log(`done: ${history.length} epochs, last epoch loss ${last ? last.loss.toFixed(4) : 'n/a'}; checkpoint in ${out} (evaluate: npx tsx examples/detection/eval.ts --checkpoint ${a.out})`);
  model.dispose();
});
