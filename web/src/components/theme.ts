// Dark and light themes: CSS variables in styles.css keyed by
// <html data-theme>. The choice is kept in localStorage; the default follows
// the system's preference.
const KEY = "patronus.theme";
export type Theme = "dark" | "light";

export function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === "dark" || saved === "light") return saved;
  return window.matchMedia?.("(prefers-color-scheme: light)").matches ? "light" : "dark";
}

export function applyTheme(t: Theme) {
  document.documentElement.dataset.theme = t;
  localStorage.setItem(KEY, t);
}
