/**
 * The KeySource implementations, in one import: local key files, a remote JWKS URL, and
 * the quick-start local issuer. Each lives in its own file; this only gathers them.
 */
export type { KeySource, PublicJwk, VerificationKey } from './key-source';
export { JwkKeySet } from './jwk-key-set';
export { loadKeyFiles, type KeyFileSpec } from './key-files';
export { RemoteJwksKeySource, remoteJwksKeySource, type RemoteJwksOptions } from './remote-jwks';
export { LocalIssuer, LOCAL_ISSUER_ALG, ISSUER_KEY_FILE, ISSUER_JWKS_FILE, type IssueRequest, type LocalIssuerOptions } from './local-issuer';
