/**
 * What a device contributes to its twin (issue 5): its static attributes, and per command
 * the command attribute (clients write it to send the command) and `<command>_status`,
 * `<command>_info` (the IoT Agents' names) where the gateway reports how it went. Pure.
 */
import type { Attribute, Entity, Iri } from '../ngsi/entity';
import type { CompiledMapping } from './mapping';
import type { CommandStatus } from './model';

/** Status before any command was sent. */
export const NO_COMMAND_YET = 'UNKNOWN';

export const statusAttribute = (command: Iri): Iri => `${command}_status`;
export const infoAttribute = (command: Iri): Iri => `${command}_info`;

/** The attributes a new twin starts with, or a linked one gains when it lacks them (the group's and the device's). */
export function twinAttributes(mapping: Pick<CompiledMapping, 'staticAttributes' | 'commands'>): Record<Iri, Attribute> {
  const attrs: Record<Iri, Attribute> = {};
  for (const s of mapping.staticAttributes) attrs[s.name] = s.attribute;
  for (const c of mapping.commands.values()) {
    attrs[c.name] = { type: 'Property', value: '' };
    attrs[statusAttribute(c.name)] = { type: 'Property', value: NO_COMMAND_YET };
  }
  return attrs;
}

/** The twin attributes of one step of a command's life, observed at `at`. */
export function commandReport(command: Iri, status: CommandStatus | typeof NO_COMMAND_YET, at: string, info?: unknown): Record<Iri, Attribute> {
  const attrs: Record<Iri, Attribute> = { [statusAttribute(command)]: { type: 'Property', value: status, observedAt: at } };
  if (info !== undefined) attrs[infoAttribute(command)] = { type: 'Property', value: info, observedAt: at };
  return attrs;
}

/**
 * The new twin for `entityId`, or undefined when `current` exists: then only the attributes
 * it lacks are added (a device linked to an existing entity keeps its data).
 */
export function newTwin(entityId: string, type: Iri, attrs: Record<Iri, Attribute>, now: string): Entity {
  const out: Entity = { id: entityId, type: [type], createdAt: now, modifiedAt: now, attrs: {} };
  for (const [name, a] of Object.entries(attrs)) out.attrs[name] = [{ ...a, createdAt: now, modifiedAt: now }];
  return out;
}

/** Attributes of `wanted` that `entity` lacks (so linking never overwrites data). */
export function missingAttributes(entity: Entity, wanted: Record<Iri, Attribute>): Record<Iri, Attribute[]> {
  const out: Record<Iri, Attribute[]> = {};
  for (const [name, a] of Object.entries(wanted)) if (entity.attrs[name] === undefined) out[name] = [a];
  return out;
}

/** The value a client wrote to a command attribute, if that write is a new command. */
export function commandWritten(entity: Entity, previous: Entity | undefined, command: Iri): { value: unknown } | undefined {
  const now = entity.attrs[command]?.[0];
  if (now === undefined) return undefined;
  const before = previous?.attrs[command]?.[0];
  // A write stamps modifiedAt, so the same value sent twice is two commands; a twin being
  // created (no previous) carries the placeholder, not a command.
  if (before === undefined || before.modifiedAt === now.modifiedAt) return undefined;
  return { value: now.value ?? now.json ?? now.object };
}
