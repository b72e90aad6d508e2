// Node module hook for tests: makes @tensorflow/tfjs-converter unresolvable, as for an app that does not install the optional peer.
export async function resolve(specifier, context, next) {
  if (specifier === '@tensorflow/tfjs-converter' || specifier.startsWith('@tensorflow/tfjs-converter/')) {
    const e = new Error(`Cannot find package '${specifier}' (hidden by test/graph/hide_converter.mjs)`);
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return next(specifier, context);
}
