// Trains a DeepLabV3 segmenter (official recipe: AdamW, head LR ×10, warm-up + cosine, EMA, CE ignoring 255) on synthetic scenes or a VOC folder; checkpoints and --resume.
import {runMain} from '../shared/args';
import {parseCli} from '../shared/cli';
import {SEG_TRAIN_OPTIONS, trainSegmentation} from './lib';

runMain(async () => {
  const a = parseCli(process.argv.slice(2), SEG_TRAIN_OPTIONS, 'usage: npx tsx examples/segmentation/train.ts [options]');
  const {history, out, model} = await trainSegmentation(a);
  const last = history[history.length - 1];
  console.log(`done: ${history.length} epochs, last epoch loss ${last ? last.loss.toFixed(4) : 'n/a'}; checkpoint in ${out} (evaluate: npx tsx examples/segmentation/eval.ts --checkpoint ${a.out})`);
  model.dispose();
});
