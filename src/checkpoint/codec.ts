/**
 * Binary layouts of what the saver stores. Values stay the serde's bytes (never re-encoded as
 * text), so anything the serializer can write round-trips exactly.
 */

const NUL = 0;

/** A plain Uint8Array view of part of a reply, so `bytes` values come back as the type they went in as. */
function view(buffer: Buffer, start: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset + start, buffer.byteLength - start);
}

/** `<serde type>\0<bytes>`: a typed value in one Redis string. */
export function packTyped(type: string, bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(type, "utf8"), Buffer.from([NUL]), bytes]);
}

export function unpackTyped(packed: Buffer): [type: string, bytes: Uint8Array] {
  const separator = packed.indexOf(NUL);
  if (separator < 0) throw new Error("corrupt checkpoint value: no type separator");
  return [packed.subarray(0, separator).toString("utf8"), view(packed, separator + 1)];
}

/** A pending write as stored: who wrote it, to which channel, in which order, and the value. */
export interface StoredWrite {
  taskId: string;
  channel: string;
  idx: number;
  taskPath: string;
  type: string;
  value: Uint8Array;
}

/** `<u32 header length><header JSON><value bytes>`. */
export function packWrite(write: StoredWrite): Buffer {
  const header = Buffer.from(
    JSON.stringify([write.taskId, write.channel, write.idx, write.taskPath, write.type]),
    "utf8",
  );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, write.value]);
}

export function unpackWrite(packed: Buffer): StoredWrite {
  const headerLength = packed.readUInt32BE(0);
  const [taskId, channel, idx, taskPath, type] = JSON.parse(packed.subarray(4, 4 + headerLength).toString("utf8")) as [
    string,
    string,
    number,
    string,
    string,
  ];
  return { taskId, channel, idx, taskPath, type, value: view(packed, 4 + headerLength) };
}

/**
 * Member of the writes ZSET: the checkpoint id, length-prefixed so that one checkpoint's writes
 * form one lexicographic range no other id can fall into, then the (task, idx) that identifies
 * the write. Must match `write_members` in scripts.ts.
 */
export function writeMember(checkpointId: string, taskId: string, idx: number): string {
  return `${Buffer.byteLength(checkpointId, "utf8")}:${checkpointId}\0${JSON.stringify([taskId, idx])}`;
}

/** Field of a channel value in the blobs hash. */
export function blobField(channel: string, version: string | number): string {
  return JSON.stringify([channel, String(version)]);
}

export function blobChannel(field: string): string {
  return (JSON.parse(field) as [string, string])[0];
}
