export { DEFAULT_JENKINS_USER, type JenkinsEmulator, type JenkinsEmulatorOptions } from './api.js';
export type { JenkinsUser } from './auth.js';
export type { JenkinsCredential, SecretTextCredential, UsernamePasswordCredential } from './credentials.js';
export { startJenkinsEmulator } from './emulator.js';
export type { FaultOptions, FaultStatus } from './faults.js';
export type { RecordedRequest } from './handler.js';
export { JENKINS_VERSION } from './http.js';
export { DEFAULT_JENKINS_PLUGINS, type JenkinsPlugin } from './plugins.js';
export type { BuildSnapshot, ItemSnapshot } from './snapshot.js';
