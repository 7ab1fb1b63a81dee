// Chart colours come from VS Code's theme variables (with fallbacks in
// dashboard.css for a plain browser), read when a chart is built.

export interface ChartTheme {
  foreground: string;
  grid: string;
  series: string[];
}

const SERIES_VARS = ['--rl-series-1', '--rl-series-2', '--rl-series-3', '--rl-series-4', '--rl-series-5', '--rl-series-6'];

export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const read = (name: string) => style.getPropertyValue(name).trim();
  return { foreground: read('--rl-chart-foreground'), grid: read('--rl-chart-grid'), series: SERIES_VARS.map(read) };
}

/** Calls `onChange` when VS Code switches theme (it rewrites body classes and root styles). */
export function watchTheme(onChange: () => void): void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}
