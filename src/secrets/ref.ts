/** Where a secret's value comes from: an environment variable or a file. Manifests hold only these. */
export type SecretRef = { env: string } | { file: string };
