import type { BaseCheckpointSaver, CheckpointTuple, PendingWrite } from "@langchain/langgraph-checkpoint";

/**
 * Copies every checkpoint of a thread (all namespaces, oldest first, with their pending writes)
 * to another thread id through the saver's public API, so copying works with any saver the
 * server runs on and keeps each checkpoint's id and parent.
 */
export async function copyCheckpoints(saver: BaseCheckpointSaver, from: string, to: string): Promise<number> {
  const tuples: CheckpointTuple[] = [];
  for await (const tuple of saver.list({ configurable: { thread_id: from } })) tuples.push(tuple);
  tuples.reverse();
  for (const tuple of tuples) {
    const namespace = (tuple.config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const parentId = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
    const target = { configurable: { thread_id: to, checkpoint_ns: namespace, ...(parentId ? { checkpoint_id: parentId } : {}) } };
    const stored = await saver.put(target, tuple.checkpoint, tuple.metadata ?? ({} as never), tuple.checkpoint.channel_versions);
    const byTask = new Map<string, PendingWrite[]>();
    for (const [taskId, channel, value] of tuple.pendingWrites ?? []) {
      byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
    }
    for (const [taskId, writes] of byTask) await saver.putWrites(stored, writes, taskId);
  }
  return tuples.length;
}
