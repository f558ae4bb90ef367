/**
 * Who a host says is calling, for runs that carry no authenticated user. A host that authenticates
 * its callers (the Agent Server entry, `wellness serve`) passes one; then `configurable.userId`,
 * which any API client can write, is never consulted.
 */
export type CurrentUser = () => string | undefined;

/**
 * The user a run acts for. In order: `configurable.langgraph_auth_user_id`, which the Agent Server
 * sets from the authenticated caller after merging the client's configurable (so a client cannot
 * choose it); then, when the host authenticates callers, the host's `currentUser`; only for code
 * that builds the agent itself (no `currentUser`), `configurable.userId`.
 *
 * @example
 * ```ts
 * runUser({ langgraph_auth_user_id: "alice", userId: "bob" }, () => undefined); // "alice"
 * runUser({ userId: "bob" }); // "bob": code invoking the graph directly names its user
 * runUser({ userId: "bob" }, () => "me"); // "me": a served graph ignores configurable.userId
 * ```
 */
export function runUser(configurable: Record<string, unknown> | undefined, currentUser?: CurrentUser): string | undefined {
  const authenticated = configurable?.langgraph_auth_user_id;
  if (typeof authenticated === "string" && authenticated !== "") return authenticated;
  if (currentUser) return currentUser();
  const configured = configurable?.userId;
  return typeof configured === "string" ? configured : undefined;
}
