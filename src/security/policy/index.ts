/**
 * Public surface of security/policy: the RBAC policy model, its parser and the pure evaluator.
 * loader.ts (the one file with I/O) is deliberately not re-exported: broker/ imports this
 * index and stays free of I/O; server.ts imports './loader' itself.
 */
export {
  ACTIONS,
  ADMIN_RESOURCES,
  PolicyError,
  SUBJECT_PLACEHOLDER,
  type Action,
  type AdminResource,
  type EntityRef,
  type Permission,
  type Policy,
  type PolicyPrincipal,
  type PolicyRequest,
} from './model';
export { parsePolicy, type TermExpander } from './parse';
export { ALL_ATTRIBUTES, NO_ATTRIBUTES, hiddenAttributes, maskFromForm, maskOf, unionMasks, type AttributeMask, type MaskForm } from './mask';
export { AttributeMasks, rolesOf, tenantClaimAllows, type AttributeReach, type DenyCode, type MaskRule } from './grants';
export { decide, narrow, type Decision, type Narrowing } from './evaluate';
export { canReachTenant, canSeeAttribute, canSeeType, reachableTenants, visibleTypes } from './discovery';
export { FALSE_Q, hideInQ, maskEntity, qAttributes, qReferencesHidden, restrictQuery, type RestrictedQuery } from './restrict';
