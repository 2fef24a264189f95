/** Bearer token verification for every door (HTTP, MQTT, LwM2M): the public surface of security/jwt. */
export { AuthError, isAuthError, type AuthErrorReason } from './errors';
export { DEFAULT_ALGORITHMS } from './algorithms';
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions, type TokenCacheSettings, type VerifiedToken, type VerifierStats } from './verifier';
export * from './keys';
export { compileClaimMapping, readClaim, type AuthenticatedPrincipal, type ClaimMapping, type ClaimMappingOptions } from './principal';
export { createAuthenticator, type Authenticator } from './authenticator';
