#!/usr/bin/env node
require('../dist/cliLoader.js').main();
