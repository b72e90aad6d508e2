// How this project launches Chromium and serves its pages; shared by the browser tests, the browser benchmark and the browser demo.

/** Debian's chromium; PACC_CHROMIUM overrides it (e.g. a local Chrome). */
export const CHROMIUM = process.env.PACC_CHROMIUM ?? '/usr/bin/chromium';

/**
 * SwiftShader gives WebGL 2 without a GPU. Without the background-networking
 * flags, Chromium keeps dialling Google services that are refused here and
 * slows to a crawl. The last five give WebGPU on SwiftShader's Vulkan
 * (navigator.gpu needs a secure context too: the dev server is localhost);
 * without `--use-vulkan=swiftshader --enable-features=Vulkan` the page gets an
 * adapter but tfjs-webgpu's synchronous read (dataSync: a WebGPU canvas drawn
 * into a 2-D canvas) returns zeros and then loses the device.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-fallback-to-gl-for-testing',
  '--use-vulkan=swiftshader', '--enable-features=Vulkan',
];

/**
 * COOP + COEP make the page cross-origin isolated, which gives it
 * SharedArrayBuffer, so tfjs-backend-wasm loads its threaded SIMD build.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Pre-bundled up front: discovering deps mid-run would reload the page under a running test. */
export const PREBUNDLE = [
  '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-webgl', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu',
];
