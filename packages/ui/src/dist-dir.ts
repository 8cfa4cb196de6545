import { fileURLToPath } from 'node:url'

/**
 * Where `vite build` writes the UI (packages/ui/dist). The server serves it; `scripts/build-ui.mjs`
 * (run before `npm start`) rebuilds it when the sources are newer.
 */
export const UI_DIST_DIR = fileURLToPath(new URL('../dist', import.meta.url))
