// Surgery public face: replaceBlocks and its option types.
export {replaceBlocks, detectFamily} from './replace_blocks';
export type {Family, ReplaceBlocksOptions} from './types';
