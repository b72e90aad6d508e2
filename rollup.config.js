// Builds the package: ESM + CJS bundles of src/index.ts and a single .d.ts.
import typescript from '@rollup/plugin-typescript';
import {dts} from 'rollup-plugin-dts';
import {builtinModules} from 'node:module';
import {existsSync} from 'node:fs';

const external = (id) =>
  /^@tensorflow\//.test(id) || ['fflate', 'jpeg-js', 'pngjs'].includes(id) ||
  id.startsWith('node:') || builtinModules.includes(id);

export default [
  {
    input: existsSync('converters/cli.ts') ? {index: 'src/index.ts', cli: 'converters/cli.ts'} : {index: 'src/index.ts'},
    external,
    plugins: [typescript({tsconfig: './tsconfig.build.json'})],
    output: [
      {dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', sourcemap: true},
      {dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', sourcemap: true, exports: 'named'},
    ],
  },
  {
    input: 'src/index.ts',
    external,
    plugins: [dts({tsconfig: './tsconfig.build.json'})],
    output: {file: 'dist/index.d.ts', format: 'es'},
  },
];
