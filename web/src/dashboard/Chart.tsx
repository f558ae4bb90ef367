import { useEffect, useRef } from "react";
import uPlot, { type AlignedData, type Options } from "uplot";

/** A uPlot chart that follows its container's width; rebuilt when its data or options change. */
export function Chart({ testId, title, options, data }: { testId: string; title: string; options: Omit<Options, "width" | "height">; data: AlignedData }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = () => Math.max(320, element.clientWidth);
    const plot = new uPlot({ ...options, width: width(), height: 240 }, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [options, data]);
  const points = data[0].length;
  return (
    <figure className="chart" data-testid={testId} data-points={points}>
      <figcaption>{title}</figcaption>
      {points === 0 ? <p className="muted">No data in this range.</p> : null}
      <div ref={host} className="chart-canvas" />
    </figure>
  );
}
