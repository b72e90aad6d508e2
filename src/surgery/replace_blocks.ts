// replaceBlocks: a new LayersModel with the final-stage blocks of a ResNet50 / MobileNetV2 / ConvNeXt / EdgeViT swapped for PaCC blocks.
import {LayersModel} from '@tensorflow/tfjs-layers';
import '../layers/parc_split_conv';
import '../layers/layer_scale';
import '../layers/edgevit_global_sparse_attn';
import {PACC_LAYER_CLASSES} from './common';
import {convnextRecipe} from './convnext';
import {edgevitRecipe} from './edgevit';
import {flattenLayers, rebuild} from './graph';
import {mobilenetv2Recipe} from './mobilenetv2';
import {resnet50Recipe} from './resnet50';
import {Candidate, Family, FAMILIES, FoundLayer, Recipe, ReplaceBlocksOptions} from './types';

const RECIPES: Record<Family, Recipe> = {
  resnet50: resnet50Recipe, mobilenetv2: mobilenetv2Recipe, convnext: convnextRecipe, edgevit: edgevitRecipe,
};

const FN = 'replaceBlocks';

function summary(layers: FoundLayer[]): string {
  const counts = new Map<string, number>();
  for (const l of layers) counts.set(l.className, (counts.get(l.className) ?? 0) + 1);
  const classes = [...counts].map(([c, n]) => `${c}×${n}`).join(', ');
  const names = layers.slice(0, 6).map((l) => l.path).join(', ');
  return `${layers.length} layers (${classes}; first: ${names}${layers.length > 6 ? ', …' : ''})`;
}

/** The family of a model from its layer names, or null. */
export function detectFamily(model: LayersModel): Family | null {
  const layers = flattenLayers(model);
  return FAMILIES.find((f) => RECIPES[f].detect(layers)) ?? null;
}

/**
 * Returns a **new** `tf.LayersModel` in which the final-stage blocks of a
 * ResNet50, MobileNetV2, ConvNeXt or EdgeViT model are PaCC blocks (docs/op.md §6;
 * EdgeViT: see docs/surgery.md). The input model, its layers and its weights are
 * never changed; every kept layer gets a bit-exact copy of its weights, the new
 * layers are initialised as the official code does.
 *
 * Throws when the family is not recognised (listing what was found), when a
 * requested block does not exist, and when the model already holds PaCC layers
 * (surgery is not repeated: run it on the original model).
 */
export function replaceBlocks(model: LayersModel, options: ReplaceBlocksOptions = {}): LayersModel {
  if (!(model instanceof LayersModel)) {
    throw new Error(`${FN}: argument 'model' must be a tf.LayersModel (e.g. from tf.loadLayersModel or pacc.io.modelFromJSON), got ${model == null ? model : (model as object).constructor?.name}`);
  }
  const layers = flattenLayers(model);
  const done = layers.filter((l) => PACC_LAYER_CLASSES.has(l.className));
  if (done.length) {
    throw new Error(`${FN}: model '${model.name}' already contains PaCC layers (${done.map((l) => l.path).join(', ')}): it was surgered already; run replaceBlocks on the original model`);
  }
  let recipe: Recipe;
  if (options.family != null) {
    recipe = RECIPES[options.family];
    if (!recipe) throw new Error(`${FN}: unknown option 'family' ${JSON.stringify(options.family)}; supported: ${FAMILIES.join(', ')}`);
    if (!recipe.detect(layers)) {
      throw new Error(`${FN}: model '${model.name}' is not a ${options.family} model as expected (${recipe.signature}); found ${summary(layers)}`);
    }
  } else {
    const found = FAMILIES.map((f) => RECIPES[f]).find((r) => r.detect(layers));
    if (!found) {
      throw new Error(`${FN}: model '${model.name}' is not a supported family; found ${summary(layers)}. Supported families:\n`
        + FAMILIES.map((f) => `  - ${RECIPES[f].signature}`).join('\n'));
    }
    recipe = found;
  }
  const candidates = recipe.candidates(layers);
  let chosen: Candidate[];
  if (options.blocks != null) {
    if (!Array.isArray(options.blocks) || options.blocks.length === 0) {
      throw new Error(`${FN}: option 'blocks' must be a non-empty array of block ids, got ${JSON.stringify(options.blocks)}`);
    }
    chosen = options.blocks.map((id) => {
      const c = candidates.find((cand) => cand.ids.includes(id));
      if (!c) {
        throw new Error(`${FN}(${recipe.family}): unknown block '${id}'; replaceable blocks: ${candidates.map((x) => x.ids.join(' = ')).join(', ')}`);
      }
      return c;
    });
    chosen = [...new Set(chosen)];
  } else {
    chosen = candidates.filter((c) => c.official);
  }
  if (!chosen.length) throw new Error(`${FN}(${recipe.family}): no block of model '${model.name}' to replace`);

  const ks = options.kernelSize ?? 'auto';
  if (ks !== 'auto' && ks !== 'meta' && !(Number.isInteger(ks) && (ks as number) >= 1)) {
    throw new Error(`${FN}: option 'kernelSize' must be 'auto', 'meta' or a positive integer, got ${JSON.stringify(ks)}`);
  }
  const pe = options.usePositionEmbedding ?? 'official';
  const byPath = new Map(layers.map((l) => [l.path, l]));
  const replacements = chosen.map((c) => {
    const target = byPath.get(c.path)!;
    const [, h, w] = target.inputShape ?? [];
    const metaKernel = Math.max(1, Math.round(224 / c.stride));
    let kernel: [number, number] | null;
    if (typeof ks === 'number') kernel = [ks, ks];
    else if (ks === 'meta' || h == null || w == null) kernel = null;
    else kernel = [h, w];
    return recipe.replace(target, c, {pe: pe === 'official' ? c.officialPe : Boolean(pe), kernel, metaKernel});
  });
  return rebuild(model, replacements).model;
}
