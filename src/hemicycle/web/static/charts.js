// Charts drawn in SVG from the JSON API: the hemicycle, the constituency map (one tile per
// constituency, grouped by department), seat intervals, stacked seat bars and plain bars.
// Draws only: every number comes from the server.

const NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes and children (strings become text nodes). */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

/** An HTML element, same shape as svg(). `class` and `for` are plain attributes. */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

export const fmt = {
  int: (x) => Math.round(x).toLocaleString("en-GB"),
  pct: (x, d = 1) => `${(100 * x).toFixed(d)}%`,
  seats: (x) => (Number.isInteger(x) ? String(x) : x.toFixed(0)),
};

// ----- hemicycle ------------------------------------------------------------------------------

/** Seat centres of a hemicycle of n seats, left to right, on a 2 x 1 box (y down), and the radius. */
export function seatPositions(n) {
  const rows = Math.max(3, Math.round(Math.sqrt(n / 4.2)));
  const r0 = 0.36;
  const radii = Array.from({ length: rows }, (_, i) => r0 + ((1 - r0) * i) / (rows - 1));
  const total = radii.reduce((a, b) => a + b, 0);
  const per = radii.map((r) => Math.max(1, Math.round((n * r) / total)));
  let diff = n - per.reduce((a, b) => a + b, 0);
  for (let i = rows - 1; diff !== 0; i = (i - 1 + rows) % rows) {
    per[i] += Math.sign(diff);
    diff -= Math.sign(diff);
  }
  const seats = [];
  radii.forEach((r, i) => {
    const k = per[i];
    for (let j = 0; j < k; j++) {
      const a = k === 1 ? Math.PI / 2 : Math.PI * (1 - j / (k - 1));
      seats.push({ a, r, x: 1 + r * Math.cos(a), y: 1 - r * Math.sin(a) });
    }
  });
  seats.sort((p, q) => q.a - p.a || p.r - q.r);
  const radius = Math.min(((1 - r0) / (rows - 1)) * 0.42, (Math.PI * r0) / (per[0] - 1 || 1) * 0.42);
  return { seats, radius };
}

/**
 * Draw a hemicycle into `host`: groups = [{name, label, seats, colour}] seated left to right.
 * `total` seats are drawn (empty ones in grey); the majority is marked under the diagram.
 */
export function hemicycle(host, groups, { total = 577, majority = 289, caption = "" } = {}) {
  const W = 600;
  const H = 330;
  const { seats, radius } = seatPositions(total);
  const s = (W - 20) / 2;
  const seat = (p) => svg("circle", { cx: (10 + p.x * s).toFixed(1), cy: (10 + p.y * s).toFixed(1), r: (radius * s).toFixed(2) });
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "hemicycle" });
  root.append(svg("title", {}, caption));
  let i = 0;
  const layer = svg("g", {});
  for (const g of groups) {
    const grp = svg("g", { "data-group": g.name, fill: g.colour });
    grp.append(svg("title", {}, `${g.label}: ${g.seats} seats`));
    for (let k = 0; k < g.seats && i < seats.length; k++, i++) grp.append(seat(seats[i]));
    layer.append(grp);
  }
  const empty = svg("g", { fill: "#e4e4e4", "data-group": "undecided" });
  for (; i < seats.length; i++) empty.append(seat(seats[i]));
  layer.append(empty);
  root.append(layer);
  const decided = groups.reduce((a, g) => a + g.seats, 0);
  root.append(svg("text", { x: W / 2, y: H - 34, "text-anchor": "middle", class: "hemi-total" }, String(decided)));
  root.append(svg("text", { x: W / 2, y: H - 12, "text-anchor": "middle", class: "hemi-sub" },
    `seats · majority ${majority}`));
  host.replaceChildren(root);
  return root;
}

// ----- map of constituencies ------------------------------------------------------------------

/**
 * One square tile per constituency, grouped by department (in code order), packed in shelves.
 * Each tile carries data-code; `onPick(code)` is called on click. Returns {root, tiles}.
 */
export function tileMap(host, winners, { onPick, caption = "", W = 600, cell = 12 } = {}) {
  const gap = 1.5;
  const pad = 7;
  const head = 11;
  const depts = [];
  for (const w of winners) {
    const last = depts[depts.length - 1];
    if (last && last.code === w.department) last.items.push(w);
    else depts.push({ code: w.department, name: w.department_name, items: [w] });
  }
  let x = 0;
  let y = 0;
  let shelf = 0;
  const placed = [];
  for (const d of depts) {
    const n = d.items.length;
    const cols = Math.ceil(Math.sqrt(n * 1.3));
    const rows = Math.ceil(n / cols);
    const bw = cols * (cell + gap) - gap;
    const bh = rows * (cell + gap) - gap + head;
    if (x + bw > W && x > 0) {
      x = 0;
      y += shelf + pad;
      shelf = 0;
    }
    placed.push({ d, x, y, cols });
    x += Math.max(bw, 14) + pad;
    shelf = Math.max(shelf, bh);
  }
  const H = y + shelf + 2;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "tilemap" });
  root.append(svg("title", {}, caption));
  const tiles = new Map();
  for (const { d, x: bx, y: by, cols } of placed) {
    const g = svg("g", { class: "dept", "data-department": d.code });
    g.append(svg("text", { x: bx, y: by + head - 3, class: "dept-label" }, d.code));
    d.items.forEach((w, i) => {
      const tx = bx + (i % cols) * (cell + gap);
      const ty = by + head + Math.floor(i / cols) * (cell + gap);
      const t = svg("rect", { x: tx, y: ty, width: cell, height: cell, rx: 1.5, class: "tile", "data-code": w.constituency });
      t.append(svg("title", {}, ""));
      tiles.set(w.constituency, [t]);
      g.append(t);
    });
    root.append(g);
  }
  if (onPick) {
    root.addEventListener("click", (ev) => {
      const code = ev.target.closest("[data-code]")?.getAttribute("data-code");
      if (code) onPick(code);
    });
  }
  host.replaceChildren(root);
  return { root, tiles };
}

/** Tiles of a map drawn by the server: code -> [elements] (the Paris zoom repeats some codes). */
export function serverMap(host, text, { onPick, caption = "" } = {}) {
  // its <style> goes before parsing (this page's CSP allows no inline style; style.css has the rules)
  const doc = new DOMParser().parseFromString(text.replace(/<style[^>]*>[\s\S]*?<\/style>/g, ""), "image/svg+xml");
  const src = doc.documentElement;
  if (src.nodeName !== "svg") throw new Error("the map is not an SVG document");
  src.removeAttribute("width");
  src.removeAttribute("height");
  src.setAttribute("aria-label", caption);
  src.setAttribute("class", "servermap");
  const root = document.importNode(src, true);
  const tiles = new Map();
  for (const el of root.querySelectorAll("[data-code], [data-zoom]")) {
    const code = el.getAttribute("data-code") ?? el.getAttribute("data-zoom");
    if (!tiles.has(code)) tiles.set(code, []);
    tiles.get(code).push(el);
  }
  if (onPick) {
    root.addEventListener("click", (ev) => {
      const el = ev.target.closest("[data-code], [data-zoom]");
      if (el) onPick(el.getAttribute("data-code") ?? el.getAttribute("data-zoom"));
    });
  }
  host.replaceChildren(root);
  return { root, tiles };
}

/** The id of a striped pattern of `colour` on white in the SVG `root` (created once). */
export function hatch(root, colour) {
  const id = `hatch-${colour.replace(/[^0-9a-zA-Z]/g, "")}`;
  if (!root.querySelector(`#${id}`)) {
    let defs = root.querySelector("defs.hatches");
    if (!defs) {
      defs = svg("defs", { class: "hatches" });
      root.prepend(defs);
    }
    defs.append(svg("pattern", { id, width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      svg("rect", { width: 4, height: 4, fill: "#fff" }),
      svg("rect", { width: 2.2, height: 4, fill: colour })));
  }
  return id;
}

/**
 * Colour tiles (code -> [elements]): `paint(code) -> {colour, hatched, title, opacity, state}`. A
 * hatched tile is striped in its colour on white: the second channel (besides the hue) for an
 * uncertain race; `opacity` (default 1) shades it further; `state`, if any, goes to data-state.
 */
export function paintTiles(tiles, paint) {
  for (const [code, els] of tiles) {
    const p = paint(code);
    for (const t of els) {
      const root = t.ownerSVGElement;
      t.setAttribute("fill", p.hatched && root ? `url(#${hatch(root, p.colour)})` : p.colour);
      t.setAttribute("fill-opacity", p.opacity ?? 1);
      t.classList.toggle("hatched", Boolean(p.hatched));
      if (p.state) t.setAttribute("data-state", p.state);
      let title = t.querySelector("title");
      if (!title) {
        title = svg("title", {});
        t.prepend(title);
      }
      title.textContent = p.title;
    }
  }
}

// ----- seat intervals -------------------------------------------------------------------------

/**
 * Horizontal seat intervals: rows = [{label, colour, mean, median, lo, hi, actual}] on 0..max seats
 * with the majority marked. The same marks as the offline report: the 90% interval as a bar, the
 * median as a black tick, the actual result as a white diamond.
 */
export function intervals(host, rows, { majority = 289, caption = "" } = {}) {
  const W = 640;
  const L = 96;
  const R = 116;
  const rowH = 30;
  const top = 22;
  const max = Math.max(majority + 40, ...rows.map((r) => Math.max(r.hi, r.actual ?? 0) + 10));
  const H = top + rows.length * rowH + 10;
  const xs = (v) => L + ((W - L - R) * v) / max;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "intervals" });
  root.append(svg("title", {}, caption));
  for (let t = 0; t <= max; t += 100) {
    root.append(svg("line", { x1: xs(t), x2: xs(t), y1: top - 6, y2: H - 8, class: "grid" }));
    root.append(svg("text", { x: xs(t), y: top - 9, "text-anchor": "middle", class: "axis" }, String(t)));
  }
  root.append(svg("line", { x1: xs(majority), x2: xs(majority), y1: top - 6, y2: H - 8, class: "majority" }));
  root.append(svg("text", { x: xs(majority) + 4, y: H - 10, class: "axis majority-label" }, `majority ${majority}`));
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const g = svg("g", { "data-group": r.group });
    g.append(svg("text", { x: L - 8, y: y + 4, "text-anchor": "end", class: "row-label" }, r.label));
    g.append(svg("rect", { x: xs(r.lo), y: y - 7, width: Math.max(xs(r.hi) - xs(r.lo), 2), height: 14, rx: 3, fill: r.colour, "fill-opacity": 0.55, stroke: r.colour }));
    g.append(svg("line", { x1: xs(r.median), x2: xs(r.median), y1: y - 10, y2: y + 10, class: "median" }));
    if (r.actual !== undefined && r.actual !== null) {
      const a = xs(r.actual);
      g.append(svg("path", { d: `M${a.toFixed(1)} ${y - 6}l5 6-5 6-5-6z`, class: "actual" }));
    }
    g.append(svg("text", { x: W - R + 8, y: y + 4, class: "row-value" },
      `${fmt.seats(r.median)}  (${fmt.seats(r.lo)}–${fmt.seats(r.hi)})`));
    g.append(svg("title", {}, `${r.label}: median ${fmt.seats(r.median)}, mean ${r.mean.toFixed(1)}, 90% interval ${r.lo.toFixed(0)}–${r.hi.toFixed(0)}` +
      (r.actual !== undefined && r.actual !== null ? `, actual ${r.actual}` : "")));
    root.append(g);
  });
  host.replaceChildren(root);
  return root;
}

// ----- seats through the night ---------------------------------------------------------------

/** Seconds since the first of `times` ("HH:MM:SS"), counting on past midnight. */
function clockSeconds(times) {
  const out = [];
  let day = 0;
  let last = -1;
  for (const t of times) {
    const [hh, mm, ss] = String(t).split(":").map(Number);
    let s = (hh || 0) * 3600 + (mm || 0) * 60 + (ss || 0) + day;
    if (s < last) {
      day += 86400;
      s += 86400;
    }
    out.push(s);
    last = s;
  }
  return out;
}

/**
 * The projected Assembly through the night: for each of `groups` ([{group, label, colour}]) its
 * 90% interval as a band and its mean as a line, over the night's clock; `points` are
 * [{at, declared, seats: {group: {mean, lo, hi}}}] in order. The majority is marked.
 */
export function nightChart(host, points, groups, { majority = 289, caption = "" } = {}) {
  const W = 640;
  const H = 300;
  const L = 40;
  const R = 104;
  const top = 12;
  const bottom = 28;
  const secs = clockSeconds(points.map((p) => p.at));
  const t0 = secs[0] ?? 0;
  const span = Math.max((secs[secs.length - 1] ?? 0) - t0, 1);
  const shown = groups.filter((g) => points.some((p) => (p.seats[g.group]?.hi ?? 0) > 0));
  const max = Math.max(majority + 30, ...points.flatMap((p) => shown.map((g) => (p.seats[g.group]?.hi ?? 0) + 10)));
  const xs = (s) => L + ((W - L - R) * (s - t0)) / span;
  const ys = (v) => top + (H - top - bottom) * (1 - v / max);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "nightchart" });
  root.append(svg("title", {}, caption));
  for (let v = 0; v <= max; v += 100) {
    root.append(svg("line", { x1: L, x2: W - R, y1: ys(v), y2: ys(v), class: "grid" }));
    root.append(svg("text", { x: L - 6, y: ys(v) + 4, "text-anchor": "end", class: "axis" }, String(v)));
  }
  root.append(svg("line", { x1: L, x2: W - R, y1: ys(majority), y2: ys(majority), class: "majority" }));
  root.append(svg("text", { x: L + 4, y: ys(majority) - 4, class: "axis majority-label" }, `majority ${majority}`));
  const ticks = Math.min(points.length, 6);
  for (let i = 0; i < ticks; i++) {
    const k = ticks === 1 ? 0 : Math.round((i * (points.length - 1)) / (ticks - 1));
    root.append(svg("text", { x: xs(secs[k]), y: H - 8, "text-anchor": "middle", class: "axis" }, String(points[k].at).slice(0, 5)));
  }
  const last = points[points.length - 1];
  // the end labels, moved apart where the lines end close together (13 px between two)
  const ends = shown.map((g) => ({ g, y: ys((last.seats[g.group] ?? { mean: 0 }).mean) + 4 })).sort((a, b) => a.y - b.y);
  for (let i = 1; i < ends.length; i++) ends[i].y = Math.max(ends[i].y, ends[i - 1].y + 13);
  const over = Math.max(0, (ends[ends.length - 1]?.y ?? 0) - (H - bottom + 4));
  for (const e of ends) e.y -= over;
  const labelY = new Map(ends.map((e) => [e.g.group, e.y]));
  for (const g of shown) {
    const at = points.map((p, i) => [xs(secs[i]), p.seats[g.group] ?? { mean: 0, lo: 0, hi: 0 }]);
    const grp = svg("g", { "data-group": g.group });
    if (points.length > 1) {
      const band = at.map(([x, s]) => `${x.toFixed(1)},${ys(s.hi).toFixed(1)}`)
        .concat(at.slice().reverse().map(([x, s]) => `${x.toFixed(1)},${ys(s.lo).toFixed(1)}`));
      grp.append(svg("polygon", { points: band.join(" "), fill: g.colour, "fill-opacity": 0.18, class: "band" }));
      grp.append(svg("polyline", { points: at.map(([x, s]) => `${x.toFixed(1)},${ys(s.mean).toFixed(1)}`).join(" "),
        fill: "none", stroke: g.colour, "stroke-width": 2, class: "mean" }));
    } else {
      const [x, s] = at[0];
      grp.append(svg("line", { x1: x, x2: x, y1: ys(s.lo), y2: ys(s.hi), stroke: g.colour, "stroke-width": 6, "stroke-opacity": 0.3 }));
      grp.append(svg("circle", { cx: x, cy: ys(s.mean), r: 3, fill: g.colour, class: "mean" }));
    }
    const end = last.seats[g.group] ?? { mean: 0, lo: 0, hi: 0 };
    grp.append(svg("text", { x: W - R + 6, y: labelY.get(g.group).toFixed(1), class: "row-label", fill: g.colour },
      `${g.label} ${fmt.seats(end.mean)}`));
    grp.append(svg("title", {}, `${g.label}: ${fmt.seats(end.mean)} seats now (90% interval ${fmt.seats(end.lo)}–${fmt.seats(end.hi)})`));
    root.append(grp);
  }
  host.replaceChildren(root);
  return root;
}

// ----- stacked seat bar -----------------------------------------------------------------------

/** One stacked bar of seats: parts = [{label, colour, seats}], with the majority marked. */
export function seatBar(parts, { total = 577, majority = 289, caption = "" } = {}) {
  const W = 560;
  const H = 26;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": caption, class: "seatbar", preserveAspectRatio: "none" });
  let x = 0;
  for (const p of parts) {
    const w = (W * p.seats) / total;
    const r = svg("rect", { x: x.toFixed(2), y: 3, width: Math.max(w - 0.6, 0).toFixed(2), height: H - 6, fill: p.colour });
    r.append(svg("title", {}, `${p.label}: ${p.seats}`));
    root.append(r);
    x += w;
  }
  const m = (W * majority) / total;
  root.append(svg("line", { x1: m, x2: m, y1: 0, y2: H, class: "majority" }));
  return root;
}

// ----- plain horizontal bars ------------------------------------------------------------------

/** An HTML list of bars: items = [{label, colour, value, text}], value in 0..1. */
export function bars(items, { caption = "" } = {}) {
  const list = h("ul", { class: "bars", "aria-label": caption });
  for (const it of items) {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${Math.max(0, Math.min(1, it.value)) * 100}%`;
    fill.style.background = it.colour;
    list.append(h("li", {}, h("span", { class: "bar-label" }, it.label),
      h("span", { class: "bar-track" }, fill), h("span", { class: "bar-value" }, it.text)));
  }
  return list;
}

/** A colour swatch (decorative: the text next to it carries the meaning). */
export function swatch(colour) {
  const s = h("span", { class: "swatch", "aria-hidden": "true" });
  s.style.background = colour;
  return s;
}
