import type { NextFunction, Request, Response } from 'express';
import { NgsiError } from '../ngsi/errors';
import { sendProblem } from './problem';

/**
 * Wraps an async route handler: NGSI-LD errors become their ProblemDetails response here;
 * anything else is a bug and goes to the app's error handler, which logs it (app.ts).
 */
export function handle(fn: (req: Request, res: Response) => Promise<void> | void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const fail = (err: unknown): void => (err instanceof NgsiError ? sendProblem(res, err) : next(err));
    try {
      const r = fn(req, res);
      if (r) r.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/** 405 for a known path with a method it does not serve (RFC 9110 15.5.6: with Allow). */
export function methodNotAllowed(allow: string) {
  return (req: Request, res: Response): void => {
    res.setHeader('Allow', allow);
    sendProblem(res, new NgsiError('MethodNotAllowed', `${req.method} is not allowed here; allowed: ${allow}`));
  };
}

/** A path parameter (express 5 types allow arrays for wildcards; our routes have none). */
export function param(req: Request, name: string): string {
  const v = req.params[name];
  return Array.isArray(v) ? v.join('/') : v;
}
