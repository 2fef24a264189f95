/**
 * Contracts inside notify/ (ARCHITECTURE.md: notification delivery, queueing, retry with
 * back-off, status). The dispatcher (dispatcher.ts) matches changes to subscriptions and
 * pushes them into one DeliveryQueue per subscription; the queue turns queued items into
 * notifications and hands them to a Sender chosen by the endpoint's URI scheme.
 */
import type { Endpoint } from '../ngsi/subscription/model';

/** One notification ready to go out: payload already rendered and compacted. */
export interface OutgoingNotification {
  /** NGSILD-Tenant of the subscription ('' for the default tenant: no header). */
  tenant: string;
  subscriptionId: string;
  endpoint: Endpoint;
  /** The Notification (clause 5.3.1: id, type, subscriptionId, notifiedAt, data[, @context]). */
  body: Record<string, unknown>;
  contentType: 'application/json' | 'application/ld+json';
  /** Link header value (application/json only): `<url>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`. */
  link?: string;
}

/** Delivers one notification; resolves when the receiver accepted it, rejects otherwise. */
export interface Sender {
  send(n: OutgoingNotification, timeoutMs: number): Promise<void>;
  /** Releases connections (keep-alive sockets, MQTT clients). */
  close(): Promise<void>;
}

/** What one delivery attempt did, for the subscription's status members (clause 5.2.14). */
export interface AttemptOutcome {
  ok: boolean;
  /** ISO 8601 time of the attempt. */
  at: string;
  /** Why it failed (logged). */
  error?: string;
}
