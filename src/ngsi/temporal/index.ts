/** ngsi/temporal: the temporal API's pure parts (clause 4.5.7-4.5.9, 4.5.19, 4.11; 6.3.10 paging; deletion markers; retention policy). */
export * from './model';
export { parseDuration, addDuration, type Duration } from './duration';
export { parseTemporalQuery, parseTemporalView, queryForView, AGGR_METHODS, type AggrMethod, type TemporalFormat, type TemporalView, type RawTemporalQuery } from './query';
export {
  aggregateValues,
  aggregateSeries,
  aggregationWindow,
  periodEnd,
  isWholeWindow,
  valueFromStats,
  CompensatedSum,
  type AggregatedValues,
  type AggregationWindow,
  type PeriodStats,
} from './aggregate';
export { renderTemporalEntity, aggregateEntity } from './render';
export { parseTemporalEntity, parseTemporalAttrs } from './parse';
export { deletionMarker } from './deletion';
export { pageInstances, pagePeriods, pageBound, contentRange, DEFAULT_MAX_INSTANCES, type InstanceRange, type PageBound } from './paging';
export { parseRetention, type RetentionPolicy } from './retention';
