/** ngsi/temporal: the temporal API's pure parts (clause 4.5.7-4.5.9, 4.5.19, 4.11). */
export * from './model';
export { parseDuration, addDuration, type Duration } from './duration';
export { parseTemporalQuery, parseTemporalView, AGGR_METHODS, type AggrMethod, type TemporalFormat, type TemporalView, type RawTemporalQuery } from './query';
export { aggregateValues, aggregateSeries } from './aggregate';
export { renderTemporalEntity } from './render';
export { parseTemporalEntity, parseTemporalAttrs } from './parse';
