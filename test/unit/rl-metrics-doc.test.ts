import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { METRICS, METRIC_NAMES, renderMetricsDoc } from '../../src/core/protocol/metrics';

test('docs/metrics.md is generated from METRICS and up to date (run `npm run docs:metrics`)', () => {
  const onDisk = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderMetricsDoc());
});

test('every metric has a label, a meaning and at least one phase', () => {
  for (const name of METRIC_NAMES) {
    const m = METRICS[name];
    assert.ok(m.label.length > 0 && m.meaning.length > 20 && m.phases.length > 0, name);
    assert.ok(renderMetricsDoc().includes(`| \`${name}\` |`), name);
  }
});
