import { fileURLToPath } from 'node:url';
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
    // Browsers that preload modules natively: the polyfill would be dead weight.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // The app, and the API's docs page (the contract rendered by Swagger UI).
      input: {
        main: fileURLToPath(new URL('./index.html', import.meta.url)),
        docs: fileURLToPath(new URL('./docs.html', import.meta.url)),
      },
    },
    sourcemap: true,
    // Swagger UI (React and its plugins) is 1.5 MB, loaded by the docs page only; the app stays small.
    chunkSizeWarningLimit: 1600,
    target: 'es2022',
  },
  // The front end reads its settings from /config.json at run time, never from the build's environment.
  envPrefix: 'B2_WEB_BUILD_',
});
