/**
 * The temporal representation of entities (GS CIM 009 v1.8.1 clause 4.5.7 - 4.5.9, 4.5.19):
 * the history of an entity's attributes as instances in time, on the *expanded* side of the
 * @context edge like ngsi/entity.
 */
import type { Attribute, AttributeKind, Iri } from '../entity';
import type { Duration } from './duration';
import type { AggrMethod } from './query';

/** Which timestamp of an instance a temporal query compares (clause 4.11, `timeproperty`). */
export type TimeProperty = 'observedAt' | 'createdAt' | 'modifiedAt';

/** Clause 4.11 / 5.2.21: a temporal query. No timerel: the whole history. */
export interface TemporalQuery {
  timerel?: 'before' | 'after' | 'between';
  /** ISO 8601, normalised with Date.toISOString. */
  timeAt?: string;
  endTimeAt?: string;
  timeproperty: TimeProperty;
  /** Only the last N instances of each attribute (in time order, oldest first). */
  lastN?: number;
  /**
   * The server's maximum of instances per attribute in one response (clause 6.3.10,
   * Content-Range paging; set by the broker, never by clients). Unset: no maximum. With
   * `aggregation` it is a maximum of aggregated periods per series instead (pagePeriods):
   * instances are then never cut.
   */
  instanceLimit?: number;
  /**
   * The server's maximum of instances a store may load into memory to aggregate one
   * attribute it cannot aggregate otherwise (set by the broker); past it the query is
   * refused with TooManyResults. Unset: no maximum.
   */
  aggregationReadLimit?: number;
  /** Leave deletion markers out (the simplified and aggregated representations cannot show them). */
  skipDeleted?: boolean;
  /**
   * The aggregated representation is wanted (clause 4.5.19): a store may answer an attribute
   * with its aggregates (TemporalEntity.aggregated) instead of its instances, when it can
   * compute exactly what ngsi/temporal/aggregate would from those instances.
   */
  aggregation?: { methods: AggrMethod[]; period: Duration | undefined };
}

/** One recorded instance of an attribute. */
export interface TemporalInstance {
  /** A URI (urn:ngsi-ld:attribute:instance:...), assigned when recorded. */
  instanceId: string;
  /** The instance as stored: expanded, with observedAt / createdAt / modifiedAt. */
  attr: Attribute;
  /** The query's timeproperty value of this instance (observedAt falls back to modifiedAt). */
  time: string;
  /**
   * Set on a deletion marker (clause 4.5.7 / 5.2.1, v1.8): the attribute instance was removed
   * from the entity (or the entity deleted) at this time; `attr` then holds the NGSI-LD Null.
   */
  deletedAt?: string;
}

export interface TemporalEntity {
  id: string;
  type: Iri[];
  scope?: string[];
  /** Instances per expanded attribute name, in time order. */
  attrs: Record<Iri, TemporalInstance[]>;
  /**
   * Attributes whose instances were cut at the query's instanceLimit, each with the time of
   * the first instance left out (the next one in the paging direction). Absent: nothing cut.
   */
  truncated?: Record<Iri, string>;
  /**
   * Attributes a store aggregated itself (TemporalQuery.aggregation), instead of returning
   * their instances in `attrs`, over the whole requested range (a series may stop one period
   * past instanceLimit: pagePeriods cuts the periods, clause 6.3.10).
   */
  aggregated?: Record<Iri, AggregatedAttribute>;
}

/** One datasetId's aggregated series of an attribute, as aggregateSeries would give it. */
export interface AggregatedSeries {
  datasetId?: string;
  /** The type of its latest instance. */
  type: AttributeKind;
  values: Record<AggrMethod, Array<[number | null, string, string]>>;
}

export interface AggregatedAttribute {
  /** In the order of each dataset's first instance. */
  series: AggregatedSeries[];
  /** Epoch ms of the first and last instance in range. */
  first: number;
  last: number;
}

/** A parsed body of POST /temporal/entities (or .../attrs): instances to add to the history. */
export interface TemporalEntityInput {
  id: string;
  /** Absent for an append to .../attrs. */
  type?: Iri[];
  scope?: string[];
  attrs: Record<Iri, Attribute[]>;
}

export const INSTANCE_ID_PREFIX = 'urn:ngsi-ld:attribute:instance:';
