// One esbuild config for every bundle: the extension host (Node, CommonJS,
// `vscode` external; the client core, jimp and @msgpack/msgpack bundled in),
// the chat webview (browser, ESM-free IIFE with its CSS and the codicon font),
// and the @vscode/test-electron suite. `node esbuild.config.mjs [--watch] [--dev]`.

import { copyFileSync, mkdirSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { shikiSeparate } from './esbuild.shiki.mjs';

const watch = process.argv.includes('--watch');
const dev = process.argv.includes('--dev') || watch;

/** @type {esbuild.BuildOptions} */
const common = {
  bundle: true,
  sourcemap: dev ? 'linked' : false,
  minify: !dev,
  logLevel: 'info',
  legalComments: 'linked',
};

// Grammars and themes for code blocks, each in dist/shiki/ (see esbuild.shiki.mjs).
const shiki = shikiSeparate();

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: { extension: 'extension/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [shiki.plugin],
    supported: shiki.supported,
    // jimp's browser build would be picked by "browser" fields otherwise.
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: {
      webview: 'webview/main.ts',
      // A stylesheet of its own: <vscode-icon> inside the elements' shadow roots links it by id.
      codicon: 'node_modules/@vscode/codicons/dist/codicon.css',
    },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    // The codicon font is copied next to the CSS and referenced relatively.
    loader: { '.ttf': 'file' },
    assetNames: '[name]',
  },
  {
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: { 'suite/index': 'test/vscode/suite/index.ts' },
    outdir: 'dist/test/vscode',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  },
];

// libjpeg-turbo's WebAssembly (client/images/jpeg-turbo.ts) is read from next to
// the bundle, since node_modules is not part of the .vsix.
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/@cwasm/jpeg-turbo/jpeg-turbo.wasm', 'dist/jpeg-turbo.wasm');

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
  // The grammar files follow the extension bundle's first build (grammars do not change while watching).
  await contexts[0].rebuild();
  await esbuild.build(shiki.options('dist'));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  await esbuild.build(shiki.options('dist'));
}
