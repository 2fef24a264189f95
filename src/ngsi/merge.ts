/**
 * The pure merge rules of every entity update operation (clause 5.6). Each function takes the
 * current expanded Entity and returns a new one; the broker persists it and publishes the
 * change with the previous state. Implementation in ./merge/*.
 */
export { type AttrOutcome } from './merge/instances';
export { appendAttributes, updateAttributes, replaceAttribute, deleteAttribute } from './merge/attributes';
export { patchAttribute } from './merge/patch';
export { mergeEntity, replaceEntity, upsertEntity, addTypes } from './merge/entity';
