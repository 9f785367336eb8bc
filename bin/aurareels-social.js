#!/usr/bin/env node
// The `aurareels-social` command of the installed package (plain Node, compiled code from dist/).
'use strict';
const { runCli } = require('../dist/src/cli.js');

runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then((code) => {
  process.exitCode = code;
});
