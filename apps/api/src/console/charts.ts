// The overview's charts of a queue over time, drawn as inline SVG (no library, nothing from elsewhere, the same CSP):
// jobs finished per minute by outcome (stacked bars), failed attempts per minute (retried, failed for good) and the
// wait in line (p50 and p95 lines). Each bar and point carries its numbers as data-* attributes and a <title>, so
// screen readers, tests and a hovering pointer read the same values. The 24-hour view sums 15 minutes per bar.
import type { QueueStats } from "@lineup/client";

type Minute = QueueStats["minutes"][number];
type Bar = { at: string; values: number[] };

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 140;
const PAD = { left: 52, right: 8, top: 8, bottom: 20 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** Minutes summed `per` at a time (1 for the hour, 15 for the day). */
function bucketed(minutes: Minute[], per: number, pick: (m: Minute) => number[]): Bar[] {
  const bars: Bar[] = [];
  for (let i = 0; i < minutes.length; i += per) {
    const group = minutes.slice(i, i + per);
    const sums = group.map(pick).reduce((a, b) => a.map((x, k) => x + (b[k] ?? 0)));
    bars.push({ at: (group[0] as Minute).at, values: sums });
  }
  return bars;
}

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

function frame(label: string, max: number, unit: string) {
  const root = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-label": label,
    class: "chart",
    preserveAspectRatio: "none",
  });
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  for (const f of [0, 0.5, 1]) {
    const y = PAD.top + plotH * (1 - f);
    root.append(svg("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: y, y2: y, class: "grid" }));
    const text = svg("text", { x: PAD.left - 4, y: y + 4, class: "axis", "text-anchor": "end" });
    text.textContent = `${Math.round(max * f).toLocaleString()}${f ? unit : ""}`;
    root.append(text);
  }
  return { root, plotH };
}

function timeAxis(root: SVGSVGElement, bars: Bar[], step: number): void {
  // The first and last labels stay inside the frame: anchored at their start and their end.
  const places = [
    { at: 0, x: PAD.left, anchor: "start" },
    { at: Math.floor(bars.length / 2), x: PAD.left + Math.floor(bars.length / 2) * step + step / 2, anchor: "middle" },
    { at: bars.length - 1, x: WIDTH - PAD.right, anchor: "end" },
  ];
  for (const { at, x, anchor } of places) {
    const bar = bars[at];
    if (!bar) continue;
    const text = svg("text", { x, y: HEIGHT - 4, class: "axis", "text-anchor": anchor });
    text.textContent = clock(bar.at);
    root.append(text);
  }
}

/** Stacked bars: one per minute (or 15), a segment per series. */
export function stackedBars(
  label: string,
  minutes: Minute[],
  per: number,
  series: { name: string; className: string; pick: (m: Minute) => number }[],
): SVGSVGElement {
  const bars = bucketed(minutes, per, (m) => series.map((s) => s.pick(m)));
  const max = Math.max(1, ...bars.map((b) => b.values.reduce((a, c) => a + c, 0)));
  const { root, plotH } = frame(label, max, "");
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, bars.length);
  for (const [i, bar] of bars.entries()) {
    const g = svg("g", { class: "bar", "data-at": bar.at });
    let y = PAD.top + plotH;
    const parts: string[] = [];
    for (const [k, s] of series.entries()) {
      const n = bar.values[k] ?? 0;
      g.setAttribute(`data-${s.name}`, String(n));
      parts.push(`${n.toLocaleString()} ${s.name}`);
      if (!n) continue;
      const h = (n / max) * plotH;
      y -= h;
      g.append(
        svg("rect", { x: PAD.left + i * step + 0.5, y, width: Math.max(1, step - 1), height: h, class: s.className }),
      );
    }
    const title = svg("title");
    title.textContent = `${clock(bar.at)}: ${parts.join(", ")}`;
    g.prepend(title);
    root.append(g);
  }
  timeAxis(root, bars, step);
  return root;
}

/** Lines of the wait percentiles (the worst of a 15-minute bar in the day view); gaps where nothing ended. */
export function waitLines(label: string, minutes: Minute[], per: number): SVGSVGElement {
  const bars = bucketed(minutes, per, (m) => [m.waitP50Ms ?? -1, m.waitP95Ms ?? -1]).map((b, i) => {
    // Summing percentiles means nothing: a bar of several minutes shows their highest.
    const group = minutes.slice(i * per, i * per + per);
    const worst = (pick: (m: Minute) => number | null) => Math.max(-1, ...group.map((m) => pick(m) ?? -1));
    return { at: b.at, values: [worst((m) => m.waitP50Ms), worst((m) => m.waitP95Ms)] };
  });
  const max = Math.max(1, ...bars.flatMap((b) => b.values));
  const { root, plotH } = frame(label, max, " ms");
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, bars.length);
  for (const [k, name] of ["p50", "p95"].entries()) {
    let path = "";
    for (const [i, bar] of bars.entries()) {
      const v = bar.values[k] ?? -1;
      if (v < 0) continue;
      const x = PAD.left + i * step + step / 2;
      const y = PAD.top + plotH * (1 - v / max);
      const prev = bars[i - 1]?.values[k] ?? -1;
      path += `${prev < 0 || !path ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)} `;
      const dot = svg("circle", { cx: x, cy: y, r: 2, class: `wait-${name}`, "data-at": bar.at, [`data-${name}`]: v });
      const title = svg("title");
      title.textContent = `${clock(bar.at)}: ${name} ${v.toLocaleString()} ms`;
      dot.append(title);
      root.append(dot);
    }
    if (path) root.prepend(svg("path", { d: path.trim(), class: `wait-${name}`, fill: "none" }));
  }
  timeAxis(root, bars, step);
  return root;
}
