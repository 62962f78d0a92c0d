#!/usr/bin/env node
// The bin: a file that exists before the build, so that npm can link it on a fresh install
// (the compiled CLI is dist/bin.js, built by the root `npm install`).
import '../dist/bin.js';
