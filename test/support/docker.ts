import { request } from "node:http";

/**
 * Whether a Docker engine answers its /_ping endpoint (DOCKER_HOST or the default socket).
 * `docker --version` is not enough: the client can be installed with no engine behind it.
 */
export function dockerEngineAnswers(dockerHost = process.env.DOCKER_HOST, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const target =
      dockerHost && dockerHost.startsWith("tcp://")
        ? (() => {
            const url = new URL(dockerHost.replace(/^tcp:/u, "http:"));
            return { host: url.hostname, port: Number(url.port || 2375) };
          })()
        : { socketPath: dockerHost?.startsWith("unix://") ? dockerHost.slice("unix://".length) : "/var/run/docker.sock" };
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
    req.end();
  });
}
