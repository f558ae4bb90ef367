import { describe, expect, it } from "vitest";
import { ByteXmlScanner, XmlSyntaxError } from "../../src/health/import/byte-scanner.js";

type Event = string;

/** The events of a document fed in chunks of `size` bytes, or the syntax error it ends with. */
function scan(document: Buffer, size: number): { events: Event[]; error?: string } {
  const events: Event[] = [];
  const scanner = new ByteXmlScanner({
    openTag: (tag, selfClosing) => events.push(`${selfClosing ? "empty" : "open"} ${tag.name()} ${JSON.stringify(tag.toObject())}`),
    closeTag: () => events.push("close"),
  });
  try {
    for (let at = 0; at < document.length; at += size) scanner.write(document.subarray(at, at + size));
    scanner.end();
  } catch (error) {
    if (error instanceof XmlSyntaxError) return { events, error: error.message };
    throw error;
  }
  return { events };
}

/** Long constructs of every kind, so chunk edges fall inside each of them somewhere. */
function document(tail = ""): Buffer {
  const parts = ['<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData ANY>\n]>\n<HealthData locale="en_US">\n'];
  for (let index = 0; index < 400; index++) {
    parts.push(
      ` <Record type="HKQuantityTypeIdentifierHeartRate" device="&lt;&lt;HKDevice: 0x${index}&gt;, name:Watch&gt;" note="${"é".repeat(index * 7)}" value="${index}"/>\n`,
      index % 50 === 0 ? ` <!-- ${"-".repeat(0)}${"c".repeat(6_000)} -->\n <![CDATA[ ${"<x>".repeat(2_000)} ]]>\n` : "",
      index % 75 === 0 ? ` <Workout a="1">\n  <WorkoutStatistics b="${"x".repeat(9_000)}"/>\n  text &amp; more\n </Workout>\n` : "",
    );
  }
  parts.push(tail, "</HealthData>\n");
  return Buffer.from(parts.join(""));
}

describe("ByteXmlScanner across chunk edges", () => {
  it("gives the same elements for chunks larger than its bridge, whatever construct an edge falls in", () => {
    const whole = document();
    const expected = scan(whole, whole.length);
    expect(expected.error).toBeUndefined();
    expect(expected.events.length).toBeGreaterThan(800);
    for (const size of [4_095, 4_097, 5_001, 8_192, 12_289, 65_536, 100_003]) expect(scan(whole, size)).toEqual(expected);
  });

  it("reports an error after many chunk edges at the same line and column", () => {
    const broken = document(' <Record type="x" value="&bogus;"/>\n');
    const expected = scan(broken, broken.length);
    expect(expected.error).toMatch(/undefined entity &bogus;/);
    for (const size of [4_097, 7_001, 65_536]) expect(scan(broken, size).error).toBe(expected.error);
  });
});
