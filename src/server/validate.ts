import type { z } from "zod";
import { ValidationError } from "../errors.js";

/** Parses request input with a zod schema; a mismatch is a ValidationError naming each field. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || where}: ${issue.message}`);
    throw new ValidationError(`Invalid ${where}: ${problems.join("; ")}`, { cause: parsed.error });
  }
  return parsed.data;
}
