/** Dark and light themes: a `data-theme` attribute on <html>, remembered in localStorage. */
export type Theme = 'dark' | 'light'

export function initialTheme(): Theme {
  const saved = localStorage.getItem('beacon.theme')
  if (saved === 'dark' || saved === 'light') return saved
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

export function applyTheme(t: Theme): void {
  document.documentElement.dataset.theme = t
  localStorage.setItem('beacon.theme', t)
}
