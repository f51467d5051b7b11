// The night view: "N of M declared", the map filling in, the projected seats with their 90%
// interval, the projected Assembly through the night and every call with its time. It polls
// /api/live (made once per poll of the night by the server; an unchanged night is a 304) and
// redraws when the night's version changes. Draws only: every number comes from the server.

import { fmt, h, hemicycle, intervals, nightChart, paintTiles, serverMap, swatch, tileMap } from "./charts.js";

const $ = (sel) => document.querySelector(sel);
/** Polls while a night runs; slower once it is over (nothing changes then). */
const EVERY_MS = 2000;
const IDLE_MS = 15000;
const KNOWN = new Set(["declared", "elected", "unopposed"]);

const state = { meta: null, year: null, tiles: null, winners: null, labels: new Map(), version: null, live: null };

async function getJSON(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) throw new Error(body?.detail ?? `${response.status} ${response.statusText}`);
  return body;
}

const blocLabel = (b) => state.meta?.blocs.find((x) => x.bloc === b)?.label ?? b;
const blocColour = (b) => state.meta?.blocs.find((x) => x.bloc === b)?.colour ?? "#999";
const labelOf = (code) => state.labels.get(code) ?? code;
const seating = (present) => (state.meta?.seating ?? [...present]).filter((b) => present.has(b));

async function tick() {
  let live = null;
  try {
    live = await getJSON("/api/live", { cache: "no-cache" });
  } catch (err) {
    $("#night-status").textContent = `The server did not answer (${err.message}); trying again.`;
  }
  if (live && live.version !== state.version) {
    try {
      await render(live);
      state.version = live.version;
    } catch (err) {
      $("#night-status").textContent = `This view could not be drawn: ${err.message}`;
    }
  }
  setTimeout(tick, !live || live.status === "running" ? EVERY_MS : IDLE_MS);
}

async function render(live) {
  state.live = live;
  document.body.dataset.status = live.status;
  $("#main").setAttribute("aria-busy", "false");
  $("#night-status").textContent = live.message;
  if (live.status === "none" || live.year === null) {
    $("#night-headline").textContent = "No election night";
    $("#night-body").hidden = true;
    return;
  }
  if (!state.meta) state.meta = await getJSON("/api/elections");
  if (state.year !== live.year) await loadYear(live.year);
  $("#night-headline").textContent = live.headline ? `${live.year}: ${live.headline}` :
    `${live.year}: 0 of ${live.total ?? "?"} declared`;
  $("#night-body").hidden = false;
  renderSeats(live);
  renderChart(live);
  renderCalls(live);
  paintMap(live);
}

async function loadYear(year) {
  state.year = year;
  try {
    const results = await getJSON(`/api/elections/${year}/results`);
    state.winners = results.winners;
    state.labels = new Map(results.winners.map((w) => [w.constituency, w.label || w.constituency]));
  } catch {
    state.winners = null; // the map still draws, from the night's own list
  }
  const host = $("#night-map");
  const caption = `The constituencies of ${year} on election night`;
  const drawn = state.meta.elections.find((e) => e.year === year)?.map ?? false;
  state.tiles = null;
  if (drawn) {
    try {
      const response = await fetch(`/api/elections/${year}/map.svg?legend=false`);
      if (!response.ok) throw new Error(`${response.status}`);
      state.tiles = serverMap(host, await response.text(), { caption }).tiles;
    } catch {
      state.tiles = null; // the grid below always works
    }
  }
  if (!state.tiles) {
    const rows = state.winners ?? (state.live?.races ?? []).map((r) => ({
      constituency: r.constituency, department: r.constituency.slice(0, 2), department_name: "",
    }));
    state.tiles = tileMap(host, rows, { caption: `${caption}, grouped by department` }).tiles;
  }
}

function renderSeats(live) {
  const majority = state.meta.majority;
  const by = new Map(live.seats.map((s) => [s.bloc, s]));
  const rows = seating(new Set(live.seats.filter((s) => s.hi > 0).map((s) => s.bloc))).map((b) => {
    const s = by.get(b);
    return { group: b, label: blocLabel(b), colour: blocColour(b), mean: s.mean, median: s.median, lo: s.lo, hi: s.hi };
  });
  intervals($("#night-seats"), rows, {
    majority,
    caption: `Projected seats at ${live.at ?? "the start"}: ` + rows.map((r) => `${r.label} ${fmt.seats(r.median)} (${fmt.seats(r.lo)}–${fmt.seats(r.hi)})`).join(", "),
  });
  const won = seating(new Set(Object.keys(live.won))).map((b) => ({ name: b, label: blocLabel(b), seats: live.won[b], colour: blocColour(b) }));
  hemicycle($("#night-won"), won, {
    total: state.meta.seats ?? 577, majority,
    caption: "Seats won so far: " + (won.map((g) => `${g.label} ${g.seats}`).join(", ") || "none"),
  });
}

function renderChart(live) {
  const groups = seating(new Set(live.seats.map((s) => s.bloc))).map((b) => ({ group: b, label: blocLabel(b), colour: blocColour(b) }));
  if (!live.history.length) {
    $("#night-chart").replaceChildren(h("p", { class: "muted" }, "The chart starts with the first poll."));
    return;
  }
  nightChart($("#night-chart"), live.history, groups, {
    majority: state.meta.majority,
    caption: `The projected Assembly through the night, ${live.history.length} updates`,
  });
}

function renderCalls(live) {
  $("#night-calls-count").textContent = String(live.calls.length);
  const items = live.calls.slice().reverse().map((c) => h("li", { "data-code": c.constituency },
    h("span", { class: "at" }, c.at), swatch(blocColour(c.bloc)), " ",
    h("strong", {}, `${labelOf(c.constituency)} (${c.constituency})`), `: ${c.candidate} (${blocLabel(c.bloc)}), `,
    `called at ${fmt.pct(c.probability, 1)}`));
  $("#night-calls").replaceChildren(...(items.length ? items :
    [h("li", { class: "muted" }, "No race called yet.")]));
  $("#night-failures-box").hidden = !live.failures.length;
  $("#night-failures").replaceChildren(...live.failures.map((f) => h("li", {}, f)));
}

function paintMap(live) {
  if (!state.tiles) return;
  const races = new Map(live.races.map((r) => [r.constituency, r]));
  const where = (code) => `${labelOf(code)} (${code})`;
  paintTiles(state.tiles, (code) => {
    const r = races.get(code);
    if (!r) return { colour: "#e4e4e4", title: `${where(code)}: not followed tonight`, state: "none" };
    const who = `${r.candidate} (${blocLabel(r.bloc)})`;
    if (KNOWN.has(r.state)) {
      const how = { declared: "declared", elected: "elected in round 1", unopposed: "unopposed" }[r.state];
      return { colour: blocColour(r.bloc), title: `${where(code)}: ${who}, ${how}`, state: r.state };
    }
    if (r.state === "called") {
      return { colour: blocColour(r.bloc), opacity: 0.7, state: "called",
        title: `${where(code)}: ${who} called (${fmt.pct(r.probability, 1)}), not declared yet` };
    }
    const sure = Math.max(0, Math.min(1, (r.probability - 0.5) / 0.5));
    return { colour: blocColour(r.bloc), hatched: true, opacity: 0.3 + 0.6 * sure, state: "projected",
      title: `${where(code)}: ${who} leads, wins in ${fmt.pct(r.probability, 0)} of the simulations` };
  });
  const counts = { declared: 0, called: 0, projected: 0 };
  for (const r of live.races) {
    const k = KNOWN.has(r.state) ? "declared" : r.state;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  $("#night-map-legend").replaceChildren(
    h("li", { "data-state": "declared" }, `Seat known: ${counts.declared}`),
    h("li", { "data-state": "called" }, `Called, not declared yet: ${counts.called}`),
    h("li", { "data-state": "projected" }, `Projected: ${counts.projected}`));
}

tick();
