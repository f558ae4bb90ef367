/**
 * The few browser shapes the tests touch inside the page. The test project compiles without the
 * DOM library (it is Node code), so functions passed to page.evaluate cast globalThis to these.
 */
export interface PageElement {
  textContent: string | null;
  querySelector(selector: string): PageElement | null;
}

export interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } | null;
}

export interface PageGlobals {
  sessionStorage: { getItem(key: string): string | null };
  document: PageElement;
  MutationObserver: new (callback: () => void) => { observe(target: PageElement, options: Record<string, boolean>): void };
  /** Text snapshots of a streaming reply, recorded by the test. */
  __seen?: string[];
  /** Set only if injected markup ever ran. */
  __xss?: number;
}
