/**
 * Route tables and the request/response types of the HTTP API.
 *
 * routes/ modules fill a `Routes` table (method, path, handler); app.ts mounts the tables
 * under their prefix in one find-my-way radix tree (the router fastify is built on).
 * Handlers get node's own IncomingMessage and ServerResponse, plus the three fields routing
 * and body reading fill in: no framework object is built per request. Express did this
 * before; its router allocated a closure chain per request and per layer and was ~15% of
 * the CPU and ~25% of the allocations of a PATCH at 1,000 updates/s (BENCHMARKS.md,
 * "Notifications").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ParsedUrlQuery } from 'node:querystring';
import { NgsiError } from '../ngsi/errors';
import { sendProblem } from './problem';

export interface Request extends IncomingMessage {
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  /** URL parameters (node:querystring: a name given twice has an array value). */
  query: ParsedUrlQuery;
  /** The raw body; undefined when the request had none. */
  body?: Buffer;
}

export type Response = ServerResponse;

/**
 * A route handler. An NgsiError it throws (or rejects with) becomes its ProblemDetails
 * response; anything else is a bug: logged, and answered with 500 (app.ts).
 */
export type Handler = (req: Request, res: Response) => void | Promise<void>;

/** `ALL`: every method not routed otherwise on the same path (405 answers). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ALL';

export interface Route {
  method: RouteMethod;
  path: string;
  handler: Handler;
}

/** The routes of one resource family, in the order they were declared. */
export class Routes {
  readonly list: Route[] = [];

  get(path: string, handler: Handler): this {
    return this.add('GET', path, handler);
  }

  post(path: string, handler: Handler): this {
    return this.add('POST', path, handler);
  }

  put(path: string, handler: Handler): this {
    return this.add('PUT', path, handler);
  }

  patch(path: string, handler: Handler): this {
    return this.add('PATCH', path, handler);
  }

  delete(path: string, handler: Handler): this {
    return this.add('DELETE', path, handler);
  }

  /** Every other method on `path` (declare it after the path's own methods). */
  all(path: string, handler: Handler): this {
    return this.add('ALL', path, handler);
  }

  private add(method: RouteMethod, path: string, handler: Handler): this {
    this.list.push({ method, path, handler });
    return this;
  }
}

/** A path parameter (routes declare their parameters, so a missing one is a bug). */
export function param(req: Request, name: string): string {
  const v = req.params[name];
  if (v === undefined) throw new Error(`route has no parameter ${name}`);
  return v;
}

/** 405 for a known path with a method it does not serve (RFC 9110 15.5.6: with Allow); for `Routes.all`. */
export function methodNotAllowed(allow: string): Handler {
  return (req, res) => {
    res.setHeader('Allow', allow);
    sendProblem(res, new NgsiError('MethodNotAllowed', `${req.method ?? ''} is not allowed here; allowed: ${allow}`));
  };
}
