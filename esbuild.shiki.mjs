// Shiki grammars, themes and the Oniguruma WebAssembly as files of their own:
// the extension bundle marks each `@shikijs/langs/*`, `@shikijs/themes/*` or
// `@shikijs/engine-oniguruma/wasm-inlined` import external as
// `./shiki/<kind>-<name>.js` (required only when a code block first needs it),
// and a second build emits exactly the ones recorded. Used by esbuild.config.mjs
// and by the test that checks the bundled highlighter on Node. The bundle that
// uses the plugin sets `supported: { 'dynamic-import': false }`, so import()
// becomes require() and the CommonJS files keep their `default` export.

/** @returns {{ supported: Record<string, boolean>, plugin: import('esbuild').Plugin, options: (outdir: string) => import('esbuild').BuildOptions }} */
export function shikiSeparate() {
  const modules = new Map();
  return {
    /** Options for the bundle that imports them. */
    supported: { 'dynamic-import': false },
    plugin: {
      name: 'shiki-separate',
      setup(build) {
        build.onResolve({ filter: /^@shikijs\/(langs|themes|engine-oniguruma)\/[a-z0-9-]+$/ }, (args) => {
          const [, kind, name] = args.path.split('/');
          const file = `${kind}-${name}`;
          modules.set(`shiki/${file}`, args.path);
          return { path: `./shiki/${file}.js`, external: true };
        });
      },
    },
    // Grammars are JSON in a string already: minifying saves little and costs build time.
    options: (outdir) => ({
      bundle: true,
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      entryPoints: Object.fromEntries(modules),
      outdir,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    }),
  };
}
