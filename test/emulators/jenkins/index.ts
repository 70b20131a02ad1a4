export { DEFAULT_JENKINS_USER, type JenkinsEmulator, type JenkinsEmulatorOptions } from './api.js';
export type { JenkinsUser } from './auth.js';
export { startJenkinsEmulator } from './emulator.js';
export type { FaultStatus } from './faults.js';
export type { RecordedRequest } from './handler.js';
export { JENKINS_VERSION } from './http.js';
export type { BuildSnapshot, ItemSnapshot } from './snapshot.js';
