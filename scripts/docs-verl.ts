// Writes docs/verl.md from the veRL mapping tables (test/unit/verl-mapping.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { renderVerlDoc } from '../src/core/verl/docs';

const out = new URL('../docs/verl.md', import.meta.url);
writeFileSync(out, renderVerlDoc());
console.log(`wrote ${out.pathname}`);
