/**
 * Events derived from the stream source's contract, for a graph module that exports no event
 * generator of its own (`demoData.stream`): every column gets a value of its declared type, the
 * id fields of the indexes the delivery reads (their `idField`) get ids those indexes hold (items
 * drawn with a popularity skew, users mostly known and a few new), and the first timestamp
 * column gets the put time. The other values are plausible in type only: a graph module that
 * wants realistic ones exports its own generator.
 */
import { parseColumnType, type AssetGraph, type ColumnType, type Contract, type StreamEvents } from '../../../assets/core';
import type { EmbeddedStreamTarget } from './target';
import { mulberry32 } from '../../seeded-random';

/** The event fields holding a user id and an item id: the `idField`s of the user and item indexes. */
export interface EventIdFields {
  readonly user?: string;
  readonly item?: string;
}

const INTEGERS = new Set(['tinyint', 'smallint', 'int', 'bigint']);

/** Events shaped by `contract` (see the file comment); `where` names the stream in errors. */
export function contractEvents(contract: Contract, fields: EventIdFields, where: string): StreamEvents {
  const columns = contract.columns.map((c) => {
    const type = parseColumnType(c.type);
    if (typeof type === 'string') throw new Error(`${where}: column '${c.name}' has a type the event generator cannot read: ${type}`);
    return { name: c.name, type };
  });
  const time = columns.find((c) => c.type.kind === 'primitive' && c.type.name === 'timestamp')?.name;
  return {
    generator(ids, options = {}) {
      const r = mulberry32(options.seed ?? 42);
      const now = options.now ?? (() => new Date());
      if (fields.item && ids.items.length === 0) throw new Error(`the event generator needs item ids for '${fields.item}': materialize the item index first`);
      if (fields.user && ids.users.length === 0) throw new Error(`the event generator needs user ids for '${fields.user}': materialize the user index first`);
      // Zipf(1) over a shuffled catalog: a few items get most of the views.
      const items = [...ids.items].sort(() => r() - 0.5);
      const cumulative: number[] = [];
      items.reduce((s, _, i) => (cumulative.push(s + 1 / (i + 1)), s + 1 / (i + 1)), 0);
      const item = () => {
        const x = r() * cumulative[cumulative.length - 1];
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid] < x) lo = mid + 1;
          else hi = mid;
        }
        return items[lo];
      };
      const numericUsers = ids.users.every((u) => /^\d+$/.test(u));
      const maxUser = numericUsers ? Math.max(0, ...ids.users.map(Number)) : 0;
      // Mostly known users; one in twenty is new (cold start).
      const user = () => (r() < 0.05 ? (numericUsers ? String(maxUser + 1 + Math.floor(r() * 100_000)) : `new-${Math.floor(r() * 100_000)}`) : ids.users[Math.floor(r() * ids.users.length)]);
      const id = (text: string, type: ColumnType) => (type.kind === 'primitive' && INTEGERS.has(type.name) ? Number(text) : text);

      const value = (name: string, type: ColumnType, seen: Set<string>): unknown => {
        if (name === fields.user) return id(user(), type);
        if (name === fields.item) {
          // Distinct items within one event (a session views each item once).
          let pick = item();
          for (let i = 0; i < 10 && seen.has(pick); i++) pick = item();
          if (seen.has(pick)) pick = items.find((x) => !seen.has(x)) ?? pick;
          seen.add(pick);
          return id(pick, type);
        }
        switch (type.kind) {
          case 'array':
            return Array.from({ length: 1 + Math.floor(r() * 5) }, () => value(name, type.element, seen));
          case 'struct':
            return Object.fromEntries(type.fields.map((f) => [f.name, value(f.name, f.type, seen)]));
          case 'decimal':
            return Math.round(r() * 10 ** Math.min(6, type.precision - type.scale) * 100) / 100;
          case 'varchar':
            return `${name}-${1 + Math.floor(r() * 8)}`.slice(0, type.length);
          case 'primitive':
            switch (type.name) {
              case 'timestamp':
                return now().toISOString();
              case 'date':
                return now().toISOString().slice(0, 10);
              case 'boolean':
                return r() < 0.3;
              case 'float':
              case 'double':
                return Math.round(r() * 100_000) / 100;
              case 'string':
              case 'binary':
                return `${name}-${1 + Math.floor(r() * 8)}`;
              default:
                return Math.floor(r() * 10);
            }
        }
      };
      return () => {
        const seen = new Set<string>();
        return Object.fromEntries(columns.map((c) => [c.name, value(c.name, c.type, seen)]));
      };
    },
    ...(fields.user ? { partitionKey: (e: object) => (fields.user! in e ? String((e as Record<string, unknown>)[fields.user!]) : undefined) } : {}),
    ...(time ? { eventTime: (record: Record<string, unknown>) => (typeof record[time] === 'string' ? (record[time] as string) : undefined) } : {}),
  };
}

/**
 * The events to put on `target`'s stream: the graph module's own generator when it has one, else
 * events derived from the stream source's contract; undefined when the stream has no contract.
 */
export function streamEventsFor(graph: AssetGraph, target: EmbeddedStreamTarget, declared?: StreamEvents): StreamEvents | undefined {
  if (declared) return declared;
  const contract = graph.get(target.streamKey).contract;
  return contract ? contractEvents(contract, target.indexIdFields, target.streamKey) : undefined;
}
