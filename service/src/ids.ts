import { randomBytes } from 'node:crypto';

/**
 * Memory ids are UUIDv7 (RFC 9562): the first 48 bits are the creation time in milliseconds,
 * so ids sort by creation time and a memory's sort key gives newest-first lists for free.
 */
export function newMemoryId(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  // Version 7 in the high nibble of byte 6, variant 0b10 in the top bits of byte 8.
  bytes[6] = 0x70 + (bytes[6] % 0x10);
  bytes[8] = 0x80 + (bytes[8] % 0x40);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Lower-case only: the id is part of a sort key, so one memory must have exactly one spelling. */
export const MEMORY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isMemoryId(value: string): boolean {
  return MEMORY_ID.test(value);
}
