import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

/** An HTTP server a test started on a free loopback port. */
export interface ListeningApp {
  url: string;
  close(): Promise<void>;
}

/** Serves a Hono app (anything with `fetch`) on 127.0.0.1 and a free port until `close()`. */
export async function listen(app: { fetch: (request: Request) => Response | Promise<Response> }): Promise<ListeningApp> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
