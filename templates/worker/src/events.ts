// What the worker has received: counts per topic, recent events, and the ids already handled, so an
// event delivered twice (brokers deliver at least once) is handled once.

/** Counters of one topic. */
export interface TopicStats {
  received: number;
  duplicates: number;
  failed: number;
  last_event_id: string | null;
  last_received_at: string | null;
}

/** A short record of a handled event. */
export interface RecentEvent {
  topic: string;
  id: string;
  received_at: string;
}

const recentLimit = 20;
const seenLimit = 10_000;

/** The worker's in-memory ledger of events (per process; counters restart with it). */
export class EventLedger {
  private readonly topics = new Map<string, TopicStats>();
  private readonly recent: RecentEvent[] = [];
  // Insertion-ordered, so the oldest ids are forgotten first once the limit is reached.
  private readonly seen = new Set<string>();

  /** Claims an event before it is handled; false when it was already claimed (a duplicate). */
  claim(topic: string, id: string): boolean {
    const stats = this.statsOf(topic);
    const key = `${topic}\u0000${id}`;
    if (this.seen.has(key)) {
      stats.duplicates += 1;
      return false;
    }
    this.seen.add(key);
    if (this.seen.size > seenLimit) this.seen.delete(this.seen.values().next().value!);
    return true;
  }

  /** Records a handled event. */
  handled(topic: string, id: string): void {
    const stats = this.statsOf(topic);
    const received_at = new Date().toISOString();
    stats.received += 1;
    stats.last_event_id = id;
    stats.last_received_at = received_at;
    this.recent.unshift({ topic, id, received_at });
    this.recent.length = Math.min(this.recent.length, recentLimit);
  }

  /** Records a failure and releases the claim, so a redelivery is handled again. */
  failed(topic: string, id: string): void {
    this.statsOf(topic).failed += 1;
    this.seen.delete(`${topic}\u0000${id}`);
  }

  /** Everything, for GET /events/stats. */
  snapshot(subscriptions: readonly string[]) {
    const topics = Object.fromEntries([...this.topics].sort(([a], [b]) => a.localeCompare(b)));
    const sum = (field: "received" | "duplicates" | "failed") =>
      [...this.topics.values()].reduce((total, stats) => total + stats[field], 0);
    return {
      subscriptions,
      received: sum("received"),
      duplicates: sum("duplicates"),
      failed: sum("failed"),
      topics,
      recent: [...this.recent],
    };
  }

  private statsOf(topic: string): TopicStats {
    let stats = this.topics.get(topic);
    if (!stats) {
      stats = { received: 0, duplicates: 0, failed: 0, last_event_id: null, last_received_at: null };
      this.topics.set(topic, stats);
    }
    return stats;
  }
}
