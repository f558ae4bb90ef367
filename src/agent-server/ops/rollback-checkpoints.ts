import type { BaseCheckpointSaver, CheckpointTuple, PendingWrite } from "@langchain/langgraph-checkpoint";

/**
 * The id of a thread's newest root checkpoint, a run's rollback point: through the saver's own
 * id lookup when it has one (the project's Redis saver), otherwise by reading the checkpoint.
 */
export async function latestCheckpointId(saver: BaseCheckpointSaver, threadId: string): Promise<string | undefined> {
  const lookup = (saver as { latestCheckpointId?: (threadId: string, namespace?: string) => Promise<string | undefined> }).latestCheckpointId;
  if (typeof lookup === "function") return lookup.call(saver, threadId, "");
  return (await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } }))?.checkpoint.id;
}

/**
 * Undoes a run's checkpoints: keeps only the thread's checkpoints up to `baselineId` (the newest
 * root checkpoint when the run started; ids are time-ordered) and drops the rest, through the
 * saver's public API. Without a baseline the thread had no checkpoint, so all of them go.
 */
export async function rollbackCheckpoints(saver: BaseCheckpointSaver, threadId: string, baselineId: string | undefined): Promise<void> {
  if (!baselineId) {
    await saver.deleteThread(threadId);
    return;
  }
  const kept: CheckpointTuple[] = [];
  let dropped = 0;
  for await (const tuple of saver.list({ configurable: { thread_id: threadId } })) {
    if (tuple.checkpoint.id <= baselineId) kept.push(tuple);
    else dropped += 1;
  }
  if (dropped === 0) return;
  await saver.deleteThread(threadId);
  kept.reverse();
  for (const tuple of kept) {
    const namespace = (tuple.config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const parentId = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
    const target = { configurable: { thread_id: threadId, checkpoint_ns: namespace, ...(parentId ? { checkpoint_id: parentId } : {}) } };
    const stored = await saver.put(target, tuple.checkpoint, tuple.metadata ?? ({} as never), tuple.checkpoint.channel_versions);
    const byTask = new Map<string, PendingWrite[]>();
    for (const [taskId, channel, value] of tuple.pendingWrites ?? []) byTask.set(taskId, [...(byTask.get(taskId) ?? []), [channel, value]]);
    for (const [taskId, writes] of byTask) await saver.putWrites(stored, writes, taskId);
  }
}
