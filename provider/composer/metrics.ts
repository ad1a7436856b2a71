// The composer's /metrics on prom-client: one registry per composer (several run in one test
// process), Node's default process, event-loop and GC metrics, and the composer's own counters,
// gauges computed at scrape time and histograms (docs/operations.md "Metrics" lists them).
import * as prom from 'prom-client';

type Labels = Record<string, string>;

export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A registry with the default metrics (process_*, nodejs_eventloop_lag_*, nodejs_gc_duration_seconds...). */
export class Registry {
  readonly prom = new prom.Registry();
  constructor() {
    prom.collectDefaultMetrics({ register: this.prom });
  }
  add<M extends { attach(r: prom.Registry): void }>(m: M): M {
    m.attach(this.prom);
    return m;
  }
  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.prom.metrics();
  }
  readonly contentType = prom.Registry.PROMETHEUS_CONTENT_TYPE;
}

export class Counter {
  private readonly c: prom.Counter;
  constructor(readonly name: string, readonly help: string, labelNames: string[] = ['method', 'route', 'status']) {
    this.c = new prom.Counter({ name, help, labelNames, registers: [] });
  }
  attach(r: prom.Registry): void {
    r.registerMetric(this.c);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.c.inc(labels, by);
  }
}

/** A gauge whose samples are computed when scraped (the old series are dropped first). */
export class Gauge {
  private readonly g: prom.Gauge;
  constructor(readonly name: string, readonly help: string, collect: () => { labels: Labels; value: number }[], labelNames: string[] = []) {
    this.g = new prom.Gauge({
      name,
      help,
      labelNames,
      registers: [],
      collect() {
        this.reset();
        for (const s of collect()) this.set(s.labels, s.value);
      },
    });
  }
  attach(r: prom.Registry): void {
    r.registerMetric(this.g);
  }
}

export class Histogram {
  private readonly h: prom.Histogram;
  constructor(readonly name: string, readonly help: string, labelNames: string[], buckets: number[] = LATENCY_BUCKETS) {
    this.h = new prom.Histogram({ name, help, labelNames, buckets, registers: [] });
  }
  attach(r: prom.Registry): void {
    r.registerMetric(this.h);
  }
  observe(labels: Labels, value: number): void {
    this.h.observe(labels, value);
  }
}
