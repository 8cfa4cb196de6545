import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// The UI is served by Beacon's API listener; `vite` (dev) proxies /api to a running Beacon.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800, sourcemap: false },
  server: { proxy: { '/api': process.env.BEACON_URL ?? 'http://127.0.0.1:5080' } },
})
