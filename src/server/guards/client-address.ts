import type { Context } from "hono";

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
  server?: NodeBindings;
}

/**
 * The peer address of the connection a request came on (Hono's Node server puts the incoming
 * message in `c.env`), without the IPv4-mapped IPv6 prefix; "unknown" when the request did not
 * come over a socket (app.request in tests, other runtimes). Forwarded headers are not trusted:
 * behind a proxy, pass your own `addressOf` to the guards that take one.
 */
export function clientAddress(context: Context): string {
  const env = context.env as NodeBindings | undefined;
  const bindings = env?.server ?? env;
  const address = bindings?.incoming?.socket?.remoteAddress;
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice("::ffff:".length) : address;
}
