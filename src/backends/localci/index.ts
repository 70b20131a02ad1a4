/** The local runner, the embedded default CI backend. */
export { LocalCi, type LocalCiOptions } from './local-ci.js';
