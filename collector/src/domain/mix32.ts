// MurmurHash3's 32-bit finalizer: FNV-1a, which the ids' hashes start from, leaves its high bits
// nearly untouched by the last bytes, and both the partition of an order (its hash range) and a slot
// of the shipment table's index (its low bits) need every input bit to reach every output bit.

/** Mixes a 32-bit hash so each input bit flips each output bit with probability about one half. */
export function mix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
