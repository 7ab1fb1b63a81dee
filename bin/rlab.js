#!/usr/bin/env node
// The `rlab` command: the bundled CLI (run `npm run build` first).
require('../dist/cli.js');
