import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors.js";
import { importRoutes } from "../../src/server/routes/import.js";
import { connectTestRedis, type TestConnection } from "../support/redis.js";

describe("POST /api/import with a form upload", () => {
  let test: TestConnection;

  beforeAll(async () => {
    test = await connectTestRedis({ label: "import-form" });
  });

  afterAll(async () => {
    await test.dispose();
  });

  it("says to send the file as the body (curl --data-binary), not as a form (curl -F)", async () => {
    const app = new Hono()
      .route("/api/import", importRoutes({ client: test.client, keys: test.keys, indexTtlSeconds: 60, userOf: () => "form-user" }))
      .onError((error, context) => context.json({ code: error instanceof ValidationError ? error.code : "other", message: error.message }, 400));
    const form = new FormData();
    form.append("file", new Blob(["<HealthData/>"], { type: "text/xml" }), "export.xml");
    const response = await app.request("/api/import", { method: "POST", body: form });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("ERR_VALIDATION");
    expect(body.message).toMatch(/form upload \(curl -F\); send the file itself as the request body instead: curl --data-binary @export\.zip/);
    expect(await test.client.exists(test.keys.healthData("form-user"))).toBe(0);
  });
});
