/**
 * Subscriptions of one tenant database (clause 5.8), every statement prepared once. The
 * document is stored without its delivery counters, which have a column of their own:
 * notify/ rewrites only that column, in batches (saveDeliveryStatus).
 */
import type Database from 'better-sqlite3';
import type { DeliveryStatus, Subscription } from '../../ngsi/subscription/model';
import type { SubscriptionPage } from '../port';

interface SubscriptionRow {
  doc: string;
  delivery: string;
}

export class SubscriptionTable {
  private readonly upsert: Database.Statement<[string, string, string]>;
  private readonly selectOne: Database.Statement<[string], SubscriptionRow>;
  private readonly selectExists: Database.Statement<[string], { one: number }>;
  private readonly selectPage: Database.Statement<[number, number], SubscriptionRow>;
  private readonly selectAll: Database.Statement<[], SubscriptionRow>;
  private readonly selectCount: Database.Statement<[], { n: number }>;
  private readonly selectOwnedPage: Database.Statement<[string, number, number], SubscriptionRow>;
  private readonly selectOwnedCount: Database.Statement<[string], { n: number }>;
  private readonly deleteOne: Database.Statement<[string]>;
  private readonly updateDelivery: Database.Statement<[string, string]>;

  constructor(db: Database.Database) {
    // ON CONFLICT DO UPDATE keeps the rowid, so a replaced subscription keeps its place in
    // creation order (INSERT OR REPLACE would delete it and append a new row).
    this.upsert = db.prepare(
      `INSERT INTO subscriptions (id, doc, delivery) VALUES (?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, delivery = excluded.delivery`,
    );
    this.selectOne = db.prepare('SELECT doc, delivery FROM subscriptions WHERE id = ?');
    this.selectExists = db.prepare('SELECT 1 AS one FROM subscriptions WHERE id = ?');
    this.selectPage = db.prepare('SELECT doc, delivery FROM subscriptions ORDER BY rowid LIMIT ? OFFSET ?');
    this.selectAll = db.prepare('SELECT doc, delivery FROM subscriptions ORDER BY rowid');
    this.selectCount = db.prepare('SELECT count(*) AS n FROM subscriptions');
    // The owner lives inside the document (no column, no migration): a tenant holds few
    // subscriptions, and listing them is rare next to notifying them, so a scan is fine.
    const owned = "json_extract(doc, '$.owner.subject') = ?";
    this.selectOwnedPage = db.prepare(`SELECT doc, delivery FROM subscriptions WHERE ${owned} ORDER BY rowid LIMIT ? OFFSET ?`);
    this.selectOwnedCount = db.prepare(`SELECT count(*) AS n FROM subscriptions WHERE ${owned}`);
    this.deleteOne = db.prepare('DELETE FROM subscriptions WHERE id = ?');
    this.updateDelivery = db.prepare('UPDATE subscriptions SET delivery = ? WHERE id = ?');
  }

  /** True if it was new. */
  put(sub: Subscription): boolean {
    const isNew = this.selectExists.get(sub.id) === undefined;
    const { delivery, ...rest } = sub;
    this.upsert.run(sub.id, JSON.stringify(rest), JSON.stringify(delivery));
    return isNew;
  }

  get(id: string): Subscription | undefined {
    const row = this.selectOne.get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  page(page: SubscriptionPage): { subscriptions: Subscription[]; count?: number } {
    const owner = page.owner;
    if (owner === undefined) {
      const subscriptions = page.limit > 0 ? this.selectPage.all(page.limit, page.offset).map(fromRow) : [];
      return page.count ? { subscriptions, count: this.count() } : { subscriptions };
    }
    const subscriptions = page.limit > 0 ? this.selectOwnedPage.all(owner, page.limit, page.offset).map(fromRow) : [];
    return page.count ? { subscriptions, count: this.selectOwnedCount.get(owner)!.n } : { subscriptions };
  }

  all(): Subscription[] {
    return this.selectAll.all().map(fromRow);
  }

  count(): number {
    return this.selectCount.get()!.n;
  }

  delete(id: string): boolean {
    return this.deleteOne.run(id).changes > 0;
  }

  /** Ids that no longer exist are skipped. */
  saveDelivery(id: string, delivery: DeliveryStatus): void {
    this.updateDelivery.run(JSON.stringify(delivery), id);
  }
}

function fromRow(row: SubscriptionRow): Subscription {
  const sub = JSON.parse(row.doc) as Subscription;
  sub.delivery = JSON.parse(row.delivery) as DeliveryStatus;
  return sub;
}
