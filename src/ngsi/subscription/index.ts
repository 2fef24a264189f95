/**
 * ngsi/subscription: the pure domain of NGSI-LD subscriptions (clauses 5.2.12 - 5.2.15,
 * 5.3.1, 5.8): parse and update payloads, render them back, decide which changes a
 * subscription notifies and build the notifications. No I/O: broker/ stores, notify/ delivers.
 */
export * from './model';
export { parseSubscription } from './parse';
export { patchSubscription } from './patch';
export { renderSubscription, type SubscriptionRenderOptions } from './render';
export {
  changeTriggers, type AttributeTrigger, type ChangeTriggers, type EntityTrigger, type InstanceChange, type SubscriptionChange,
} from './triggers';
export { compileSubscription, selectorKeys, type CompiledSubscription, type SelectorKeys } from './match';
export { buildNotification, type RenderedNotification } from './notification';
