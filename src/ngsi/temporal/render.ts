/**
 * Temporal entities -> the client representations (clause 4.5.7 normalized temporal,
 * 4.5.9 simplified "temporalValues", 4.5.19 aggregated "aggregatedValues"). Compaction only
 * through CompiledContext, like ngsi/render.
 */
import type { Attribute, AttributeKind } from '../entity';
import type { CompiledContext } from '../jsonld/context';
import { compactTypes, languagePrefs } from '../render';
import { renderInstances } from '../render/attribute';
import { instantMs } from '../query/temporal';
import { aggregateSeries, aggregationWindow } from './aggregate';
import type { Duration } from './duration';
import type { AggregatedAttribute, AggregatedSeries, TemporalEntity, TemporalInstance, TemporalQuery } from './model';
import type { AggrMethod, TemporalView } from './query';

/** Clause 4.5.9 (v1.8): the member holding the value pairs, per attribute type. */
const SERIES_MEMBER: Record<AttributeKind, string> = {
  Property: 'values',
  GeoProperty: 'values',
  Relationship: 'objects',
  LanguageProperty: 'languageMaps',
  VocabProperty: 'vocabs',
  JsonProperty: 'jsons',
  ListProperty: 'valueLists',
  ListRelationship: 'objectLists',
};

export function valueOf(a: Attribute, ctx: CompiledContext): unknown {
  switch (a.type) {
    case 'Property':
    case 'GeoProperty': return a.value;
    case 'Relationship': return a.object;
    case 'LanguageProperty': return a.languageMap;
    case 'VocabProperty': return Array.isArray(a.vocab) ? a.vocab.map((v) => ctx.compactIri(v)) : a.vocab === undefined ? undefined : ctx.compactIri(a.vocab);
    case 'JsonProperty': return a.json;
    case 'ListProperty': return a.valueList;
    case 'ListRelationship': return a.objectList;
  }
}

export function renderTemporalEntity(te: TemporalEntity, ctx: CompiledContext, view: TemporalView, q: TemporalQuery): Record<string, unknown> {
  if (view.aggregation !== undefined) te = aggregateEntity(te, ctx, view.aggregation, q);
  const out: Record<string, unknown> = { id: te.id, type: compactTypes(te.type, ctx) };
  if (te.scope !== undefined && te.scope.length > 0) out.scope = te.scope.length === 1 ? te.scope[0] : te.scope;
  for (const iri in te.attrs) {
    // Deletion markers have no value to put in a series.
    const instances = view.format === 'normalized' ? te.attrs[iri] : te.attrs[iri].filter((i) => i.deletedAt === undefined);
    if (instances.length === 0) continue;
    out[ctx.compactIri(iri)] =
      view.format === 'normalized' ? normalized(instances, ctx, view.sysAttrs) : byDataset(instances, (group) => series(group, ctx));
  }
  for (const iri in te.aggregated ?? {}) out[ctx.compactIri(iri)] = aggregated(te.aggregated![iri]);
  return out;
}

/**
 * The in-memory aggregation (clause 4.5.19): the instances in `te.attrs` become aggregated
 * series in `te.aggregated`, as a store computing them itself would give them (one series per
 * datasetId, in the order of their first instance; deletion markers left out).
 */
export function aggregateEntity(
  te: TemporalEntity, ctx: CompiledContext, agg: { methods: AggrMethod[]; period: Duration | undefined }, q: TemporalQuery,
): TemporalEntity {
  const iris = Object.keys(te.attrs);
  if (iris.length === 0) return te;
  const out: TemporalEntity = { ...te, attrs: {}, aggregated: { ...te.aggregated } };
  for (const iri of iris) {
    const groups = new Map<string | undefined, TemporalInstance[]>();
    for (const i of te.attrs[iri]) {
      if (i.deletedAt !== undefined) continue;
      const g = groups.get(i.attr.datasetId);
      if (g === undefined) groups.set(i.attr.datasetId, [i]);
      else g.push(i);
    }
    if (groups.size === 0) continue;
    let first = Infinity;
    let last = -Infinity;
    const list: AggregatedSeries[] = [...groups].map(([datasetId, group]) => {
      // instantMs, as the stores and paging read instants (a time without zone is UTC).
      const points = group.map((i) => ({ t: instantMs(i.time), value: valueOf(i.attr, ctx) }));
      let gFirst = Infinity;
      let gLast = -Infinity;
      for (const p of points) {
        if (p.t < gFirst) gFirst = p.t;
        if (p.t > gLast) gLast = p.t;
      }
      first = Math.min(first, gFirst);
      last = Math.max(last, gLast);
      const s: AggregatedSeries = {
        type: group[group.length - 1].attr.type,
        values: aggregateSeries(points, agg.methods, aggregationWindow(q, gFirst, gLast), agg.period),
      };
      if (datasetId !== undefined) s.datasetId = datasetId;
      return s;
    });
    out.aggregated![iri] = { series: list, first, last };
  }
  return out;
}

/** Aggregates a store computed: shaped as series() and byDataset() shape them. */
function aggregated(a: AggregatedAttribute): unknown {
  const rendered = a.series.map((s) => {
    const o: Record<string, unknown> = { type: s.type, ...s.values };
    if (s.datasetId !== undefined) o.datasetId = s.datasetId;
    return o;
  });
  return rendered.length === 1 ? rendered[0] : rendered;
}

/** Each instance with its instanceId; a deletion marker also with its deletedAt (clause 4.5.7, v1.8). */
function normalized(instances: TemporalInstance[], ctx: CompiledContext, sysAttrs: boolean): unknown[] {
  const prefs = languagePrefs(undefined);
  return instances.map((i) => {
    const o = renderInstances([i.attr], ctx, { format: 'normalized', sysAttrs }, prefs) as Record<string, unknown>;
    if (i.deletedAt !== undefined) o.deletedAt = i.deletedAt;
    o.instanceId = i.instanceId;
    return o;
  });
}

/** One object per datasetId; a single (default) dataset is the object itself. */
function byDataset(instances: TemporalInstance[], render: (group: TemporalInstance[]) => Record<string, unknown>): unknown {
  const groups = new Map<string | undefined, TemporalInstance[]>();
  for (const i of instances) {
    const g = groups.get(i.attr.datasetId);
    if (g === undefined) groups.set(i.attr.datasetId, [i]);
    else g.push(i);
  }
  const rendered = [...groups].map(([datasetId, group]) => {
    const o = render(group);
    if (datasetId !== undefined) o.datasetId = datasetId;
    return o;
  });
  return rendered.length === 1 ? rendered[0] : rendered;
}

function series(group: TemporalInstance[], ctx: CompiledContext): Record<string, unknown> {
  const type = group[group.length - 1].attr.type;
  return { type, [SERIES_MEMBER[type]]: group.map((i) => [valueOf(i.attr, ctx), i.time]) };
}
