import { NgsiError } from '../ngsi/errors';
import { sendProblem } from './problem';
import type { Handler } from './router';

/** 405 for a known path with a method it does not serve (RFC 9110 15.5.6: with Allow). */
export function methodNotAllowed(allow: string): Handler {
  return (req, res) => {
    res.setHeader('Allow', allow);
    sendProblem(res, new NgsiError('MethodNotAllowed', `${req.method ?? ''} is not allowed here; allowed: ${allow}`));
  };
}
