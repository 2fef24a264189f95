/**
 * Subscriptions (GS CIM 009 v1.8.1 clause 5.2.12) in Weft's internal form. Like entities,
 * names are kept expanded (attribute IRIs) so that matching never needs an @context; the
 * subscription's own @context is kept to compact notifications and to render it back.
 * Everything here is plain JSON: the store persists it as is.
 */
import type { Iri } from '../entity';
import type { ContextSource } from '../jsonld/context';
import type { EntityFilter } from '../query/ast';
import type { Format } from '../render/options';

/** Clause 5.2.12 notificationTrigger values. */
export const NOTIFICATION_TRIGGERS = [
  'entityCreated',
  'entityUpdated',
  'entityDeleted',
  'attributeCreated',
  'attributeUpdated',
  'attributeDeleted',
] as const;
export type NotificationTrigger = (typeof NOTIFICATION_TRIGGERS)[number];

/** Clause 5.2.12: when notificationTrigger is absent. */
export const DEFAULT_TRIGGERS: readonly NotificationTrigger[] = ['attributeCreated', 'attributeUpdated'];

/** Clause 5.2.22 KeyValuePair (receiverInfo, notifierInfo). */
export interface KeyValuePair {
  key: string;
  value: string;
}

/** Clause 5.2.15 Endpoint. */
export interface Endpoint {
  /** http:, https:, mqtt: or mqtts: URI (for MQTT the topic is the path). */
  uri: string;
  /** Media type of the notification body. */
  accept: 'application/json' | 'application/ld+json';
  /** Extra headers (HTTP) / metadata members (MQTT) of each notification. */
  receiverInfo?: KeyValuePair[];
  /** Protocol settings: MQTT-QoS (0|1|2), MQTT-Version (mqtt3.1.1|mqtt5.0). */
  notifierInfo?: KeyValuePair[];
  /** Weft extension (also in Stellio/Orion-LD): per-attempt time-out in ms. */
  timeout?: number;
}

/** Clause 5.2.14 NotificationParams, without the status members (see DeliveryStatus). */
export interface NotificationParams {
  /** Attributes to include (expanded IRIs); absent: all. */
  attributes?: Iri[];
  format: Format;
  sysAttrs: boolean;
  /** Clause 5.2.14: add previousValue (previousObject, ...) to attributes that changed. */
  showChanges: boolean;
  /**
   * Clause 5.2.14 join / joinLevel (linked entity retrieval, clause 4.5.23): the entities
   * the notified ones point at, `joinLevel` hops deep, added to `data` (flat) or nested in
   * their relationships (inline). Absent: none ('@none').
   */
  join?: { mode: 'flat' | 'inline'; level: number };
  endpoint: Endpoint;
}

/** The notification status members of NotificationParams (clause 5.2.14), kept by notify/. */
export interface DeliveryStatus {
  timesSent: number;
  timesFailed: number;
  lastNotification?: string;
  lastSuccess?: string;
  lastFailure?: string;
  /** 'ok' after a success, 'failed' after a failure; absent before the first attempt. */
  status?: 'ok' | 'failed';
}

/**
 * geoQ as the client gave it (clause 5.2.13), kept to render the subscription back;
 * coordinates as given (array or JSON text). geoproperty is kept expanded (an IRI; absent
 * when the client gave none, i.e. location) and compacted when rendered.
 */
export interface GeoQSource {
  geometry: string;
  coordinates: unknown;
  georel: string;
  geoproperty?: string;
}

/** One `entities` member as the client gave it (type text kept to render it back). */
export interface EntitySelectorSource {
  id?: string;
  idPattern?: string;
  type: string;
}

export interface Subscription {
  /** URI; generated (urn:ngsi-ld:Subscription:<uuid>) when the client gives none. */
  id: string;
  subscriptionName?: string;
  description?: string;
  /** As given (compact type expressions); the expanded form is `filter.selectors`. */
  entities?: EntitySelectorSource[];
  /** Expanded attribute IRIs. */
  watchedAttributes?: Iri[];
  notificationTrigger: NotificationTrigger[];
  /** Periodic notification every N seconds (clause 5.2.12); excludes watchedAttributes and throttling. */
  timeInterval?: number;
  /** The query texts as given (rendered back literally). */
  q?: string;
  geoQ?: GeoQSource;
  scopeQ?: string;
  /** lang filter applied to LanguageProperties in notifications (clause 4.15). */
  lang?: string;
  isActive: boolean;
  /** ISO 8601 date-time; after it the subscription is 'expired' and sends nothing. */
  expiresAt?: string;
  /** Minimal seconds between two notifications. */
  throttling?: number;
  notification: NotificationParams;
  /** Clause 5.2.12 jsonldContext: the @context URL to compact notifications with, instead of `context`. */
  jsonldContext?: string;
  /**
   * The compiled filter (expanded AST) of entities + q + geoQ + scopeQ: matching needs no
   * @context and no re-parsing. `selectors` holds the `entities` list.
   */
  filter: EntityFilter;
  /** The @context of the creating request (core context when none). */
  context: ContextSource;
  createdAt: string;
  modifiedAt: string;
  /** Delivery counters; persisted lazily by the store, see EntityStore.saveDeliveryStatus. */
  delivery: DeliveryStatus;
  /**
   * Who created it (issue 4), as the request's principal was then; never rendered. Retrieve,
   * update and delete are limited to the owner (or a subscriptions admin), and every
   * notification carries only what the owner may read. Absent when created with auth off:
   * with auth on such a subscription is notified of nothing and must be re-created.
   */
  owner?: SubscriptionOwner;
}

/**
 * The creator of a subscription, frozen at creation (a later change of the creator's token
 * roles does not apply to it). Structurally broker/scope.ts Principal and the policy's
 * PolicyPrincipal, declared here because ngsi/ imports nothing from broker/ or security/.
 */
export interface SubscriptionOwner {
  subject: string;
  roles: readonly string[];
  /** The token's tenant claim, when it had one. */
  tenants?: readonly string[];
}

/** Clause 5.2.12 status (derived, never stored). */
export type SubscriptionState = 'active' | 'paused' | 'expired';

export function subscriptionState(s: Pick<Subscription, 'isActive' | 'expiresAt'>, nowMs: number): SubscriptionState {
  if (s.expiresAt !== undefined && Date.parse(s.expiresAt) <= nowMs) return 'expired';
  return s.isActive ? 'active' : 'paused';
}
