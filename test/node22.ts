// Node 22 for the tests that need it: scripts/node22.mjs, which `npm run test:node22` uses too.
export { NODE22_VERSION, node22Supported, node22, ensureNode22 } from '../scripts/node22.mjs';
