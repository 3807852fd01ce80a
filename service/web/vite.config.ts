import { defineConfig } from 'vite';

/**
 * The web front end's build (run with this folder as Vite's root): static files for S3 +
 * CloudFront on AWS and for the plain-Node server locally. The page's Content-Security-Policy
 * allows scripts and styles from its own origin only, so nothing may be inlined into index.html.
 */
export default defineConfig({
  base: './',
  build: {
    // Relative to this folder: the release the stages deploy and the local run serves.
    outDir: '../../dist/release/web',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    // One entry and browsers that preload modules natively: the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    sourcemap: true,
    target: 'es2022',
  },
  // The front end reads its settings from /config.json at run time, never from the build's environment.
  envPrefix: 'B2_WEB_BUILD_',
});
