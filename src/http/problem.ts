/**
 * The one table from NGSI-LD problem type to HTTP status (clause 5.5.2, table 5.5.2-1,
 * and clause 6.3.2), and the writer of ProblemDetails responses.
 */
import type { Response } from './router';
import { NgsiError, ProblemType, toProblem, type ProblemTypeName } from '../ngsi/errors';

export const STATUS: Record<ProblemTypeName, number> = {
  InvalidRequest: 400,
  BadRequestData: 400,
  AlreadyExists: 409,
  OperationNotSupported: 422,
  ResourceNotFound: 404,
  InternalError: 500,
  TooComplexQuery: 403,
  TooManyResults: 403,
  LdContextNotAvailable: 503,
  NoMultiTenantSupport: 501,
  NonexistentTenant: 404,
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
  PayloadTooLarge: 413,
  MethodNotAllowed: 405,
  Unauthorized: 401,
  Forbidden: 403,
  Conflict: 409,
};

const BY_URI = new Map<string, ProblemTypeName>(
  (Object.keys(ProblemType) as ProblemTypeName[]).map((name) => [ProblemType[name], name]),
);

export function statusOfProblemType(uri: string): number {
  const name = BY_URI.get(uri);
  return name ? STATUS[name] : 500;
}

export function statusOf(err: unknown): number {
  return err instanceof NgsiError ? STATUS[err.problem] : 500;
}

/** ProblemDetails as application/json (clause 6.3.2), with the status echoed in the body. */
export function sendProblem(res: Response, err: unknown): void {
  const status = statusOf(err);
  const body = { ...toProblem(err), status };
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
