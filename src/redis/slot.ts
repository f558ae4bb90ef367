/** Number of hash slots in a Redis Cluster. */
export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster uses to place keys. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  }
  return crc;
}

/**
 * The cluster slot of a key, as CLUSTER KEYSLOT computes it: only the text inside the first
 * non-empty `{...}` is hashed when there is one. Lets code and tests check slot placement
 * without a cluster.
 */
export function keySlot(key: string | Uint8Array): number {
  const bytes = typeof key === "string" ? new TextEncoder().encode(key) : key;
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      return crc16(bytes.subarray(open + 1, close)) % CLUSTER_SLOTS;
    }
  }
  return crc16(bytes) % CLUSTER_SLOTS;
}
