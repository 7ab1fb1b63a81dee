// Writes docs/metrics.md from the METRICS table (test/unit/rl-metrics-doc.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { renderMetricsDoc } from '../src/core/protocol/metrics';

const out = new URL('../docs/metrics.md', import.meta.url);
writeFileSync(out, renderMetricsDoc());
console.log(`wrote ${out.pathname}`);
