import { describe, expect, it } from "vitest";
import { XmlScanner, XmlSyntaxError } from "../../src/health/import/xml-scanner.js";

type Event = [string, string, Record<string, string>?];

function scan(chunks: string[]): Event[] {
  const events: Event[] = [];
  const scanner = new XmlScanner({
    openTag: (name, attributes, selfClosing) => events.push([selfClosing ? "empty" : "open", name, attributes]),
    closeTag: (name) => events.push(["close", name]),
  });
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return events;
}

function error(xml: string): XmlSyntaxError {
  try {
    scan([xml]);
  } catch (caught) {
    if (caught instanceof XmlSyntaxError) return caught;
    throw caught;
  }
  throw new Error("expected a syntax error");
}

const DOCUMENT = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!-- HealthKit Export Version: 12 -->
<!ATTLIST Record type CDATA #REQUIRED "broken quote >
<!ELEMENT Me EMPTY
]>
<HealthData locale="en_US">
 <!-- a comment -->
 <Record type="HKQuantityTypeIdentifierHeartRate" device="&lt;&lt;HKDevice: 0x1&gt;, name:Watch&gt;" value='72' note="a &amp; b &#65;&#x42;"/>
 <Workout workoutActivityType="Running">
  <WorkoutStatistics type="HeartRate" average="150"/>
 </Workout>
 <![CDATA[ ignored <stuff> ]]>
</HealthData>
`;

describe("XmlScanner", () => {
  it("reads elements and decoded attributes, skipping a broken DTD, comments and CDATA", () => {
    expect(scan([DOCUMENT])).toEqual([
      ["open", "HealthData", { locale: "en_US" }],
      ["empty", "Record", { type: "HKQuantityTypeIdentifierHeartRate", device: "<<HKDevice: 0x1>, name:Watch>", value: "72", note: "a & b AB" }],
      ["close", "Record"],
      ["open", "Workout", { workoutActivityType: "Running" }],
      ["empty", "WorkoutStatistics", { type: "HeartRate", average: "150" }],
      ["close", "WorkoutStatistics"],
      ["close", "Workout"],
      ["close", "HealthData"],
    ]);
  });

  it("gives the same events however the text is split into chunks", () => {
    const whole = scan([DOCUMENT]);
    for (const size of [1, 2, 3, 7, 13, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < DOCUMENT.length; i += size) chunks.push(DOCUMENT.slice(i, i + size));
      expect(scan(chunks)).toEqual(whole);
    }
  });

  it("never expands entities: a billion-laughs bomb fails fast at the first reference", () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<HealthData><Record type="&lol9;"/></HealthData>`;
    const failure = error(bomb);
    expect(failure.message).toMatch(/undefined entity &lol9;/);
    expect([failure.line, failure.column]).toEqual([7, 27]);
  });

  it("rejects an external entity reference in text too", () => {
    const failure = error(`<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<HealthData>&xxe;</HealthData>`);
    expect(failure.message).toMatch(/undefined entity &xxe;/);
    expect(failure.line).toBe(2);
  });

  it.each([
    ["<HealthData><Record></HealthData>", /<\/HealthData> does not close <Record>/, 1, 21],
    ["<HealthData>\n <Record a=\"1\"/>\n <Rec", /ends inside a tag/, 3, 2],
    ["<HealthData>\n <Record a=\"1\"/>\n", /ends before <\/HealthData>/, 3, 1],
    ["<HealthData><Record a=1/></HealthData>", /expected a quoted value for attribute a/, 1, 23],
    ["<HealthData><Record a=\"x<y\"/></HealthData>", /'<' inside an attribute value/, 1, 25],
    ["<HealthData><Record a=\"1\" a=\"2\"/></HealthData>", /attribute a appears twice/, 1, 29],
    ["<HealthData><Record a=\"&#xZZ;\"/></HealthData>", /invalid character reference/, 1, 24],
    ["<HealthData></HealthData><Extra/>", /after the root element/, 1, 26],
    ["text<HealthData/>", /text outside the root element/, 1, 1],
    ["", /no root element/, 1, 1],
  ])("reports %j as malformed with line and column", (xml, message, line, column) => {
    const failure = error(xml);
    expect(failure.message).toMatch(message);
    expect([failure.line, failure.column]).toEqual([line, column]);
  });
});
