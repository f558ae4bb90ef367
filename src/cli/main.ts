#!/usr/bin/env node
import { Command, InvalidArgumentError } from "commander";
import { WellnessError } from "../errors.js";
import { importCommand } from "./import.js";
import { reindexCommand } from "./reindex.js";
import { serve } from "./serve.js";

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  }
  return parsed;
}

const program = new Command()
  .name("wellness")
  .description("Talk with an agent about your Apple Health data; state and memory live in Redis.")
  .showHelpAfterError();

program
  .command("serve")
  .description("connect to Redis (or start a local one), print its health and serve the HTTP API")
  .option("-p, --port <port>", "HTTP port (default: PORT or 8000)", port)
  .option("--host <host>", "address to bind (default: HOST or 127.0.0.1)")
  .action(async (options: { port?: number; host?: string }) => {
    await serve(options);
  });

program
  .command("import")
  .description("import an Apple Health export (export.zip or export.xml) into Redis")
  .argument("<path>", "export.zip from the Health app, or the export.xml inside it")
  .option("-u, --user <id>", "user to import for (default: DEFAULT_USER_ID)")
  .option("--json", "print the summary as JSON")
  .action(async (path: string, options: { user?: string; json?: boolean }) => {
    await importCommand(path, options);
  });

program
  .command("reindex")
  .description("rebuild a user's health indexes from the stored data (no export file needed)")
  .option("-u, --user <id>", "user to reindex (default: DEFAULT_USER_ID)")
  .option("--json", "print the counts as JSON")
  .action(async (options: { user?: string; json?: boolean }) => {
    await reindexCommand(options);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof WellnessError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.code === "ERR_CONFIG" ? 2 : 1;
  } else {
    throw error;
  }
}
