/**
 * queryEntities for one tenant database. An exact translation is paged and counted by
 * SQLite; otherwise the SQL only narrows the candidates, the matcher decides, and paging and
 * counting happen here, over matches only, still in creation (rowid) order.
 */
import type Database from 'better-sqlite3';
import type { Entity } from '../../ngsi/entity';
import type { EntityFilter } from '../../ngsi/query/ast';
import { compileFilter } from '../../ngsi/query/matcher';
import type { Page, QueryResult } from '../port';
import type { Cond } from './cond';
import { translateFilter } from './filter-sql';
import { QueryPlanner, type AccessPath } from './query-plan';
import { StatementCache } from './statement-cache';
import type { TermTable } from './term-table';

export const candidatesSql = (path: AccessPath): string => `SELECT e.doc FROM ${path.from} WHERE ${path.sql} ORDER BY ${path.orderBy}`;
export const pageSql = (path: AccessPath): string => `${candidatesSql(path)} LIMIT ? OFFSET ?`;

export class EntityQueries {
  private readonly cache: StatementCache;
  private readonly planner: QueryPlanner;
  private readonly termId: (iri: string) => number;

  constructor(db: Database.Database, terms: TermTable) {
    this.cache = new StatementCache(db);
    this.planner = new QueryPlanner(db, this.cache);
    this.termId = (iri) => terms.lookup(iri);
  }

  query(filter: EntityFilter, page: Page): QueryResult {
    const { cond, exact } = translateFilter(filter, this.termId);
    if (cond.kind === 'const' && !cond.value) return page.count ? { entities: [], count: 0 } : { entities: [] };
    return exact ? this.exactQuery(cond, page) : this.residualQuery(filter, cond, page);
  }

  private exactQuery(cond: Cond, page: Page): QueryResult {
    const entities: Entity[] = [];
    if (page.limit > 0) {
      const path = this.planner.accessPath(cond, page.offset + page.limit);
      const rows = this.cache.get(pageSql(path)).all(...path.params, page.limit, page.offset) as Array<{ doc: string }>;
      for (const row of rows) entities.push(JSON.parse(row.doc) as Entity);
    }
    if (!page.count) return { entities };
    const count = this.planner.countQuery(cond);
    const { n } = this.cache.get(count.sql).get(...count.params) as { n: number };
    return { entities, count: n };
  }

  private residualQuery(filter: EntityFilter, cond: Cond, page: Page): QueryResult {
    const matches = compileFilter(filter);
    const entities: Entity[] = [];
    const end = page.offset + page.limit;
    let matched = 0;
    const path = this.planner.accessPath(cond, page.count ? 'all' : end);
    for (const row of this.cache.get(candidatesSql(path)).iterate(...path.params) as IterableIterator<{ doc: string }>) {
      const entity = JSON.parse(row.doc) as Entity;
      if (!matches(entity)) continue;
      if (matched >= page.offset && matched < end) entities.push(entity);
      matched++;
      // Without a count, rows past the page are not worth parsing (breaking closes the cursor).
      if (!page.count && matched >= end) break;
    }
    return page.count ? { entities, count: matched } : { entities };
  }
}
