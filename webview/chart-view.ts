// One uPlot chart in a titled card. The chart is created once it has a width and
// data, recreated when its series change (smoothing on/off, theme), and
// otherwise only fed new columns.
import uPlot from 'uplot';
import type { MetricUnit } from '../src/core/protocol/metrics';
import { el } from './dom';
import { formatValue } from './chart-layout';
import type { Columns } from './series';
import type { ChartTheme } from './theme';

export interface PlotSeries {
  label: string;
  /** Index into the theme's series colours. */
  colour: number;
  /** Drawn thin and translucent (raw values behind a smoothed line). */
  faint?: boolean;
}

const HEIGHT = 170;

export class ChartView {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private plot: uPlot | null = null;
  private series: PlotSeries[] = [];
  private columns: Columns | null = null;
  /** Pixel width available to the plot, kept by a ResizeObserver: reading layout while drawing would force a reflow per chart. */
  private measured = 400;
  private readonly sizes: ResizeObserver;

  constructor(
    readonly id: string,
    title: string,
    meaning: string,
    private readonly unit: MetricUnit,
    private readonly syncKey: string,
    private theme: ChartTheme,
    /** Called when the width changes: the data must be bucketed again. */
    onResize: () => void,
  ) {
    this.plotHost = el('div', { className: 'plot' });
    this.element = el('figure', { className: 'chart', attrs: { 'data-chart': id } }, el('figcaption', { text: title, title: meaning }), this.plotHost);
    this.sizes = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0 && width !== this.measured) {
        this.measured = width;
        onResize();
      }
    });
    this.sizes.observe(this.plotHost);
  }

  /** Pixel width available to the plot (bucketing uses it). */
  get width(): number {
    return Math.max(200, this.measured);
  }

  setSeries(series: PlotSeries[]): void {
    const same = series.length === this.series.length && series.every((s, i) => s.label === this.series[i]!.label && s.faint === this.series[i]!.faint);
    if (same) return;
    this.series = series;
    this.destroyPlot();
  }

  setTheme(theme: ChartTheme): void {
    this.theme = theme;
    this.destroyPlot();
    if (this.columns) this.setColumns(this.columns);
  }

  setColumns(columns: Columns): void {
    this.columns = columns;
    const data = columns as unknown as uPlot.AlignedData;
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    this.plot = new uPlot(this.options(), data, this.plotHost);
    // The raw series behind a smoothed line need no legend entry of their own.
    const rows = this.plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    this.series.forEach((s, i) => {
      if (s.faint) rows[i + 1]?.classList.add('faint');
    });
  }

  /** Fits the plot to the measured width; a no-op when it already fits. */
  resize(): void {
    if (this.plot && this.plot.width !== this.width) this.plot.setSize({ width: this.width, height: HEIGHT });
  }

  destroy(): void {
    this.sizes.disconnect();
    this.destroyPlot();
    this.element.remove();
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private options(): uPlot.Options {
    const { foreground, grid, series } = this.theme;
    const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    return {
      width: this.width,
      height: HEIGHT,
      legend: { live: true },
      cursor: { sync: { key: this.syncKey } },
      // Shares always span 0–100%: a flat 0 must not be scaled up to a meaningless range.
      scales: { x: { time: false }, ...(this.unit === 'share' ? { y: { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(0, min), Math.max(1, max)] } } : {}) },
      axes: [
        { ...axis },
        { ...axis, size: 56, values: (_u, ticks) => ticks.map((v) => formatValue(this.unit, v)) },
      ],
      series: [
        { label: 'step' },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: series[s.colour % series.length],
          width: s.faint ? 1 : 1.5,
          alpha: s.faint ? 0.3 : 1,
          points: { show: false },
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatValue(this.unit, v)),
        })),
      ],
    };
  }
}
