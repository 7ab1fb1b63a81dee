// One uPlot chart in a titled card: axes captioned with the step and the unit,
// and a legend that reads values rounded, with the raw value beside a smoothed
// one. The chart is created once it has a width and data, recreated when its
// series change (smoothing on/off, theme), and otherwise only fed new columns.
import uPlot from 'uplot';
import type { MetricUnit } from '../src/core/protocol/metrics';
import { el } from './dom';
import { formatReading, formatValue, UNIT_AXIS } from './chart-layout';
import type { Columns } from './series';
import type { ChartTheme } from './theme';

export interface PlotSeries {
  label: string;
  /** Index into the theme's series colours. */
  colour: number;
  /** Drawn thin and translucent (raw values behind a smoothed line); its legend row is hidden. */
  faint?: boolean;
  /** For a smoothed line: the index (in the series list) of its raw values, read beside it in the legend. */
  raw?: number;
}

const HEIGHT = 190;

/** Tick spacings of the step axis: whole numbers only. */
const STEP_INCREMENTS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 20_000, 25_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

export class ChartView {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly noteLine: HTMLElement;
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
    this.noteLine = el('p', { className: 'chart-note', attrs: { hidden: '' } });
    // The meaning is the caption's tooltip, marked with an "i", and read out to screen readers.
    const caption = el('figcaption', { title: meaning, attrs: { 'aria-description': meaning } }, title, el('span', { className: 'meaning-mark', text: 'i', attrs: { 'aria-hidden': 'true' } }));
    this.element = el('figure', { className: 'chart', attrs: { 'data-chart': id } }, caption, this.plotHost, this.noteLine);
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

  /** A line under the chart (null: none). */
  setNote(text: string | null): void {
    this.noteLine.hidden = text === null;
    this.noteLine.textContent = text ?? '';
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
    const axis = { stroke: foreground, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, labelSize: 16, labelFont: '11px sans-serif' };
    const reading = (v: number | null | undefined) => (v === null || v === undefined ? '–' : formatReading(this.unit, v));
    const unitCaption = UNIT_AXIS[this.unit];
    return {
      width: this.width,
      height: HEIGHT,
      legend: { live: true },
      cursor: { sync: { key: this.syncKey } },
      // Shares always span 0–100%: a flat 0 must not be scaled up to a meaningless range.
      scales: { x: { time: false }, ...(this.unit === 'share' ? { y: { range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(0, min), Math.max(1, max)] } } : {}) },
      axes: [
        // Steps are whole: ticks only at integers.
        {
          ...axis,
          label: 'step',
          incrs: STEP_INCREMENTS,
          // The ticks are also kept on the element, for tests and tools that cannot read the canvas.
          values: (_u, ticks) => {
            this.plotHost.dataset.stepTicks = ticks.join(' ');
            return ticks.map((v) => String(v));
          },
        },
        { ...axis, size: 56, ...(unitCaption ? { label: unitCaption } : {}), values: (_u, ticks) => ticks.map((v) => formatValue(this.unit, v)) },
      ],
      series: [
        { label: 'step', value: (_u: uPlot, v: number | null) => (v === null ? '–' : String(v)) },
        ...this.series.map((s) => ({
          label: s.label,
          stroke: series[s.colour % series.length],
          width: s.faint ? 1 : 1.5,
          alpha: s.faint ? 0.3 : 1,
          points: { show: false },
          spanGaps: true,
          value:
            s.raw === undefined
              ? (_u: uPlot, v: number | null) => reading(v)
              : (u: uPlot, v: number | null, _series: number, idx: number | null) => (v === null ? '–' : `${reading(v)} (raw ${reading(idx === null ? null : (u.data[s.raw! + 1]?.[idx] as number | null))})`),
        })),
      ],
    };
  }
}
