// Builds the package: ESM + CJS of the default entry, `tfjs-pacc/node` and the CLI; the script-tag UMD; .d.ts files.
import typescript from '@rollup/plugin-typescript';
import {nodeResolve} from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import {dts} from 'rollup-plugin-dts';
import {builtinModules} from 'node:module';
import {existsSync, rmSync} from 'node:fs';

// Chunk names carry content hashes: without a clean dist/, stale chunks of earlier builds would be packed.
rmSync('dist', {recursive: true, force: true});

const isNodeBuiltin = (id) => id.startsWith('node:') || builtinModules.includes(id);
// Package builds leave tfjs and our dependencies to the user's bundler / Node.
const external = (id) => /^@tensorflow\//.test(id) || ['fflate', 'jpeg-js', 'pngjs'].includes(id) || isNodeBuiltin(id);

// dist/index.* must reach no Node built-in (bundlers for the browser fail on them): only
// node.* and cli.* may import node:*; test/bundlers/dist_entries.test.ts checks the output.
const input = {index: 'src/index.ts', node: 'src/node.ts'};
if (existsSync('converters/cli.ts')) input.cli = 'converters/cli.ts';

export default [
  {
    input,
    external,
    plugins: [typescript({tsconfig: './tsconfig.build.json'})],
    output: [
      {dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs', sourcemap: true},
      {dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named'},
    ],
  },
  {
    // Script tag: after @tensorflow/tfjs's tf.min.js (or tf-core + tf-layers + backend scripts),
    // tfjs comes from the global `tf`; fflate is bundled; our wasm module is embedded (base64).
    input: 'src/umd.ts',
    external: (id) => /^@tensorflow\//.test(id),
    plugins: [
      {
        name: 'no-node-builtins',
        resolveId(id, importer) {
          if (isNodeBuiltin(id)) this.error(`the script-tag build reached the Node built-in '${id}' from ${importer}`);
          return null;
        },
      },
      nodeResolve({browser: true, preferBuiltins: false}),
      typescript({tsconfig: './tsconfig.build.json'}),
    ],
    output: {
      file: 'dist/tfjs-pacc.min.js', format: 'umd', name: 'pacc', sourcemap: true,
      globals: (id) => (/^@tensorflow\//.test(id) ? 'tf' : id),
      plugins: [terser({format: {comments: false, preamble: '/* tfjs-pacc (Apache-2.0): PaCC-Net for TensorFlow.js. Needs the global tf. */'}})],
    },
  },
  {
    input: {index: 'src/index.ts', node: 'src/node.ts'},
    external,
    plugins: [dts({tsconfig: './tsconfig.build.json'})],
    output: {dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts'},
  },
];
