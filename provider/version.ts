// Tessera's version, read once from package.json: the composer serves it in the OpenAPI
// document and agents report it when they register.
export const VERSION: string = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../package.json').version as string;
  } catch {
    return '0.0.0';
  }
})();
