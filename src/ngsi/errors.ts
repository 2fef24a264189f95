/**
 * The NGSI-LD error catalogue (ETSI GS CIM 009 v1.8.1, clause 5.5.2, table 5.5.2-1).
 * Domain code throws NgsiError with one of these problem types; http/ maps each type to
 * its status code in one table (http/problem.ts), so no status code lives in the domain.
 */
export const ProblemType = {
  InvalidRequest: 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest',
  BadRequestData: 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData',
  AlreadyExists: 'https://uri.etsi.org/ngsi-ld/errors/AlreadyExists',
  OperationNotSupported: 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported',
  ResourceNotFound: 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound',
  InternalError: 'https://uri.etsi.org/ngsi-ld/errors/InternalError',
  TooComplexQuery: 'https://uri.etsi.org/ngsi-ld/errors/TooComplexQuery',
  TooManyResults: 'https://uri.etsi.org/ngsi-ld/errors/TooManyResults',
  LdContextNotAvailable: 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable',
  NoMultiTenantSupport: 'https://uri.etsi.org/ngsi-ld/errors/NoMultiTenantSupport',
  NonexistentTenant: 'https://uri.etsi.org/ngsi-ld/errors/NonexistentTenant',
  // Transport-level problems the spec leaves to HTTP; typed here so http/ maps them in one place.
  UnsupportedMediaType: 'urn:weft:errors:UnsupportedMediaType',
  NotAcceptable: 'urn:weft:errors:NotAcceptable',
  PayloadTooLarge: 'urn:weft:errors:PayloadTooLarge',
  MethodNotAllowed: 'urn:weft:errors:MethodNotAllowed',
  Unauthorized: 'urn:weft:errors:Unauthorized',
  Forbidden: 'urn:weft:errors:Forbidden',
  /** The request conflicts with the resource's state (a service group that still has devices). */
  Conflict: 'urn:weft:errors:Conflict',
} as const;

export type ProblemTypeName = keyof typeof ProblemType;

const titles: Record<ProblemTypeName, string> = {
  InvalidRequest: 'Invalid request',
  BadRequestData: 'Bad request data',
  AlreadyExists: 'Already exists',
  OperationNotSupported: 'Operation not supported',
  ResourceNotFound: 'Resource not found',
  InternalError: 'Internal error',
  TooComplexQuery: 'Too complex query',
  TooManyResults: 'Too many results',
  LdContextNotAvailable: 'JSON-LD @context not available',
  NoMultiTenantSupport: 'No multi-tenant support',
  NonexistentTenant: 'Nonexistent tenant',
  UnsupportedMediaType: 'Unsupported media type',
  NotAcceptable: 'Not acceptable',
  PayloadTooLarge: 'Payload too large',
  MethodNotAllowed: 'Method not allowed',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  Conflict: 'Conflict',
};

/** The JSON body of an error (RFC 7807 ProblemDetails as NGSI-LD uses it). */
export interface ProblemDetails {
  type: string;
  title: string;
  detail?: string;
  [extra: string]: unknown;
}

export class NgsiError extends Error {
  readonly problem: ProblemTypeName;
  readonly detail: string;
  readonly extra: Record<string, unknown> | undefined;

  constructor(problem: ProblemTypeName, detail: string, extra?: Record<string, unknown>) {
    super(`${problem}: ${detail}`);
    this.name = 'NgsiError';
    this.problem = problem;
    this.detail = detail;
    this.extra = extra;
  }

  toProblemDetails(): ProblemDetails {
    return { type: ProblemType[this.problem], title: titles[this.problem], detail: this.detail, ...this.extra };
  }
}

export const badRequest = (detail: string): NgsiError => new NgsiError('BadRequestData', detail);
export const invalidRequest = (detail: string): NgsiError => new NgsiError('InvalidRequest', detail);
export const notFound = (detail: string): NgsiError => new NgsiError('ResourceNotFound', detail);

/** Turns anything thrown into ProblemDetails; unknown errors become InternalError without leaking internals. */
export function toProblem(err: unknown): ProblemDetails {
  if (err instanceof NgsiError) return err.toProblemDetails();
  return new NgsiError('InternalError', 'The server met an unexpected condition').toProblemDetails();
}
