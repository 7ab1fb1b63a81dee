// Writes docs/countdown-spec.md from the spec schema (test/unit/spec-docs.test.ts fails when it is stale).
import { writeFileSync } from 'node:fs';
import { renderSpecDoc } from '../src/core/spec/docs';

const out = new URL('../docs/countdown-spec.md', import.meta.url);
writeFileSync(out, renderSpecDoc());
console.log(`wrote ${out.pathname}`);
