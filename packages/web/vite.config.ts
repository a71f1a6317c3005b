import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * Writes `dist/.vite/chunk-modules.json`: the source modules of every chunk, so a test can prove what each
 * portal's first load holds (the manifest names only entry chunks' sources).
 */
function chunkModules(): Plugin {
  return {
    name: 'chunk-modules',
    generateBundle(_options, bundle) {
      const modules: Record<string, string[]> = {};
      for (const [file, output] of Object.entries(bundle))
        if (output.type === 'chunk')
          modules[file] = Object.keys(output.modules).map((id) => id.replace(`${__dirname}/`, ''));
      this.emitFile({
        type: 'asset',
        fileName: '.vite/chunk-modules.json',
        source: JSON.stringify(modules, null, 1),
      });
    },
  };
}

export default defineConfig({
  plugins: [react(), chunkModules()],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    // The libraries every portal uses change rarely: their own chunks stay cached across releases.
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
          // Mantine's components in two halves, each under 300 kB.
          const component = /node_modules\/@mantine\/core\/esm\/components\/(\w)/.exec(id);
          if (component) return component[1]! <= 'L' ? 'mantine-a' : 'mantine-b';
          if (/node_modules\/@mantine\/(core|hooks|notifications)\//.test(id)) return 'mantine-a';
          return undefined;
        },
      },
    },
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
