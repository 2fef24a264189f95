/**
 * A device message Weft cannot use. The gateway logs the reason and counts it; it never
 * crashes the gateway nor reaches the twin. In its own file so that ultralight.ts and
 * payload.ts (which re-exports it) do not import each other.
 */
export class DevicePayloadError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'DevicePayloadError';
  }
}
