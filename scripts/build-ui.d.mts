/** Gzipped bytes of the first page's scripts and styles in packages/ui/dist. */
export function firstPageBytes(dir?: string): { js: number; css: number; files: string[] }
/** Builds the UI when stale (or always with `force`); true when it built. */
export function buildUi(opts?: { force?: boolean; quiet?: boolean }): Promise<boolean>
