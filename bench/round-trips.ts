import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy in front of Redis that counts round trips: each time the client starts
 * sending again after the server has answered is one more round trip. Pipelined commands written
 * together count once, which is what "one round trip" means.
 *
 * @example
 * ```ts
 * const counter = await RoundTripCounter.start(6379);
 * const client = await connectRedis({ url: counter.url });
 * counter.reset();
 * await client.ping();
 * counter.roundTrips; // 1
 * ```
 */
export class RoundTripCounter {
  roundTrips = 0;
  private awaitingReply = false;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.server = server;
  }

  get url(): string {
    const address = this.server.address();
    return `redis://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  }

  static async start(targetPort: number, targetHost = "127.0.0.1"): Promise<RoundTripCounter> {
    const server = createServer();
    const counter = new RoundTripCounter(server);
    server.on("connection", (client) => {
      const upstream = connect({ port: targetPort, host: targetHost });
      counter.sockets.add(client).add(upstream);
      client.on("data", (chunk) => {
        if (!counter.awaitingReply) counter.roundTrips += 1;
        counter.awaitingReply = true;
        upstream.write(chunk);
      });
      upstream.on("data", (chunk) => {
        counter.awaitingReply = false;
        client.write(chunk);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on("close", close).on("error", close);
      upstream.on("close", close).on("error", close);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return counter;
  }

  reset(): void {
    this.roundTrips = 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
