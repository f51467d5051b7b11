// The hemicycle dashboard: national results, after round 1, round 1 as the basis, the constituency
// map and drill-down, the projection playground, other electoral systems and coalitions. Plain ES
// modules; every number comes from the JSON API of the same server. The URL keeps the whole view
// (year, section, constituency, map layout and colouring, projection settings), so a shared link
// reproduces it.

import { bars, fmt, h, hemicycle, intervals, paintTiles, seatBar, serverMap, swatch, tileMap } from "./charts.js";
import { chartButtons, downloadCSV, tableButton } from "./export.js";

const $ = (sel) => document.querySelector(sel);

const state = {
  meta: null,
  year: null,
  results: null,
  round1: null,
  tiles: null,
  code: null,
  projection: null,
  baseline: null,
  projSeq: 0,
  projAbort: null,
  learnt: {},
  canProject: false,  // an earlier election with both rounds to learn the transfers from
  systems: [],
  colour: {},
  label: {},
  labels: new Map(),
  restoring: null,
  pres: null,  // the presidential round shown (GET /api/presidential/{year})
  presTiles: null,
};

/** The what-ifs shown at first (any other bloc pair can be added). */
const DEFAULT_OVERRIDES = [["left", "centre"], ["centre", "left"], ["right", "far_right"]];
const ORIGINS = ["far_left", "left", "centre", "right", "far_right", "regionalist", "other", "nonvoter"];
/** Colours of the runoff types after round 1 (Okabe–Ito, distinct from one another). */
const SITUATION_COLOURS = { elected: "#555555", duel: "#56B4E9", "three-way": "#E69F00", "four-way": "#CC79A7" };
const SITUATION_LABELS = { elected: "elected in round 1", duel: "duel", "three-way": "three-way runoff", "four-way": "four-way runoff" };
/** A projected race is drawn solid when its leader wins at least this often, striped below. */
const SURE = 0.8;
const PHONE = window.matchMedia("(max-width: 900px)");

// ----- plumbing -------------------------------------------------------------------------------

async function getJSON(url, options) {
  const response = await fetch(url, options);
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    const err = new Error(body?.detail ?? `${response.status} ${response.statusText}`);
    err.status = response.status;
    throw err;
  }
  return body;
}

function problem(host, err) {
  host.replaceChildren(h("p", { class: "error", role: "alert" }, err.message || String(err)));
}

function busy(section, on) {
  section.setAttribute("aria-busy", on ? "true" : "false");
}

/** GET `url` with `section` marked busy meanwhile; on failure, the error replaces `host` (null back). */
async function load(section, host, url) {
  busy(section, true);
  try {
    return await getJSON(url);
  } catch (err) {
    problem(host, err);
    return null;
  } finally {
    busy(section, false);
  }
}

const blocLabel = (b) => state.label[b] ?? b;
const blocColour = (b) => state.colour[b] ?? "#999";
const originLabel = (o) => (o === "nonvoter" ? "Round-1 non-voters" : blocLabel(o));
const labelOf = (code) => state.labels.get(code) ?? code;

function groupLabel(unit, g) {
  return unit === "bloc" ? blocLabel(g) : g;
}

// ----- the view in the URL --------------------------------------------------------------------

/** Write the whole view into the URL (replaceState: no history entry per change). */
function saveView() {
  if (state.restoring) return;
  const url = new URL(location.href);
  const q = url.searchParams;
  const set = (k, v, def) => (v === null || v === undefined || v === "" || v === def ? q.delete(k) : q.set(k, String(v)));
  set("year", state.year);
  set("code", state.code);
  set("layout", $("#map-layout").value, PHONE.matches ? "grid" : "map");
  set("colour", $("#map-mode").value, "results");
  set("train", $("#train").value);
  set("lineup", $("#withdrawals").value);
  set("sims", $("#sims").value, "5000");
  set("seed", $("#seed").value, "1");
  const ovs = activeOverrides().map((o) => `${o.from}:${o.to}=${o.rate}`);
  set("ov", ovs.join(","));
  set("sys", $("#sys-unit").value, "bloc");
  set("coal", $("#coal-system").value, "actual");
  set("coalunit", $("#coal-unit").value, "bloc");
  set("pyear", $("#pres-year").value, $("#pres-year").options[$("#pres-year").options.length - 1]?.value);
  set("pround", $("#pres-round").value, "2");
  history.replaceState(null, "", url);
}

function readView() {
  const q = new URLSearchParams(location.search);
  const ov = (q.get("ov") ?? "").split(",").filter(Boolean).map((x) => {
    const m = x.match(/^([a-z_]+):([a-z_]+)=([0-9.]+)$/);
    return m ? { from: m[1], to: m[2], rate: Number(m[3]) } : null;
  }).filter(Boolean);
  return {
    year: Number(q.get("year")), code: q.get("code"), layout: q.get("layout"), colour: q.get("colour"),
    train: q.get("train"), lineup: q.get("lineup"), sims: q.get("sims"), seed: q.get("seed"), ov,
    sys: q.get("sys"), coal: q.get("coal"), coalunit: q.get("coalunit"),
    pyear: q.get("pyear"), pround: q.get("pround"),
  };
}

function setSelect(sel, value) {
  if (value && [...sel.options].some((o) => o.value === value && !o.disabled)) sel.value = value;
}

// ----- start ----------------------------------------------------------------------------------

async function start() {
  try {
    state.meta = await getJSON("/api/elections");
  } catch (err) {
    problem($("#results-body"), err);
    return;
  }
  for (const b of state.meta.blocs) {
    state.colour[b.bloc] = b.colour;
    state.label[b.bloc] = b.label;
  }
  const years = state.meta.elections.map((e) => e.year);
  const view = readView();
  state.restoring = view;
  state.year = years.includes(view.year) ? view.year : years[years.length - 1];
  state.code = view.code;
  // on a phone the grid comes first: the map's Paris constituencies are too small to tap
  setSelect($("#map-layout"), view.layout ?? (PHONE.matches ? "grid" : null));
  setSelect($("#map-mode"), view.colour);
  setSelect($("#sys-unit"), view.sys);
  setSelect($("#coal-unit"), view.coalunit);
  if (view.sims) $("#sims").value = view.sims;
  if (view.seed !== null) $("#seed").value = view.seed;
  const select = $("#year");
  select.replaceChildren(...years.map((y) => h("option", { value: y, selected: y === state.year }, String(y))));
  select.addEventListener("change", () => loadYear(Number(select.value)));

  buildPlayground();
  buildDownloads();
  $("#map-mode").addEventListener("change", () => {
    paintMap();
    saveView();
  });
  $("#map-layout").addEventListener("change", () => {
    renderMap();
    saveView();
  });
  $("#pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    search($("#code").value.trim());
  });
  $("#sys-unit").addEventListener("change", () => {
    loadSystems();
    saveView();
  });
  $("#coal-system").addEventListener("change", () => {
    loadCoalitions();
    saveView();
  });
  $("#coal-unit").addEventListener("change", () => {
    loadCoalitions();
    saveView();
  });
  $("#share").addEventListener("click", async () => {
    saveView();
    const status = $("#share-status");
    try {
      await navigator.clipboard.writeText(location.href);
      status.textContent = "Link copied: it opens this exact view.";
    } catch {
      status.textContent = "The address bar holds the link to this view.";
    }
  });
  startPresidential(view);
  await loadYear(state.year);
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

async function loadYear(year) {
  state.year = year;
  state.projection = null;
  state.baseline = null;
  for (const el of document.querySelectorAll("[data-year]")) el.textContent = String(year);
  $("#results-csv").href = `/api/elections/${year}/results.csv`;
  $("#constituencies-csv").href = `/api/elections/${year}/constituencies.csv`;
  const results = await load($("#results"), $("#results-body"), `/api/elections/${year}/results`);
  if (!results) return;
  state.results = results;
  state.labels = new Map(results.winners.map((w) => [w.constituency, w.label || w.constituency]));
  state.round1 = await load($("#round1"), $("#situations"), `/api/elections/${year}/round1`);
  renderResults();
  renderRound1();
  renderMap();
  if (state.code && state.results.winners.some((w) => w.constituency === state.code)) {
    showConstituency(state.code, { scroll: false });
  } else {
    state.code = null;
    $("#detail").replaceChildren(h("p", { class: "muted" },
      "Pick a constituency on the map, or find it above by name, to see every candidate of both rounds."));
  }
  await resetPlayground();
  runProjection();
  loadSystems();
  saveView();
}

// ----- national results -----------------------------------------------------------------------

function renderResults() {
  const r = state.results;
  const seats = Object.fromEntries(r.seats_by_bloc.map((b) => [b.bloc, b.seats]));
  const groups = state.meta.seating
    .filter((b) => seats[b] > 0)
    .map((b) => ({ name: b, label: blocLabel(b), seats: seats[b], colour: blocColour(b) }));
  const lede = [];
  if (r.rounds.includes(2)) {
    lede.push(`The two-round law applied to ${r.source} elects all ${r.decided} deputies: `);
    lede.push(`${r.verdict}.`);
  } else {
    lede.push(`Round 2 of ${r.year} is not in the data: only the ${r.decided} deputies elected in round 1 are known. `);
    lede.push("The projection playground below simulates the rest.");
  }
  $("#results-lede").textContent = lede.join("");
  hemicycle($("#hemicycle"), groups, {
    total: r.seats, majority: r.majority,
    caption: `Seats by bloc, ${r.year}: ` + groups.map((g) => `${g.label} ${g.seats}`).join(", "),
  });
  $("#bloc-legend").replaceChildren(...groups.map((g) =>
    h("li", {}, swatch(g.colour), h("span", {}, g.label), h("strong", {}, String(g.seats)))));
  const biggest = Math.max(1, ...r.seats_by_nuance.map((n) => n.seats));
  $("#nuance-rows").replaceChildren(...r.seats_by_nuance.map((n) => {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${(100 * n.seats) / biggest}%`;
    fill.style.background = n.colour;
    return h("tr", {},
      h("th", { scope: "row" }, h("abbr", { title: n.label }, n.nuance)),
      h("td", { class: "muted" }, blocLabel(n.bloc)),
      h("td", { class: "num" }, String(n.seats)),
      h("td", { class: "bar-cell", "aria-hidden": "true" }, h("span", { class: "bar-track" }, fill)));
  }));
  $("#turnout").replaceChildren(...r.turnout.flatMap((t) => [
    h("dt", {}, `Round ${t.round}`),
    h("dd", {}, h("strong", {}, fmt.pct(t.turnout)), ` turnout: ${fmt.int(t.voters)} voters of ${fmt.int(t.registered)} registered`,
      h("br"), `${fmt.int(t.expressed)} votes expressed, ` +
      (t.blank === null ? `${fmt.int(t.null)} blank and null (counted together)` :
        `${fmt.int(t.blank)} blank, ${fmt.int(t.null)} null`) +
      (t.constituencies < r.seats ? ` (${t.constituencies} constituencies)` : "")),
  ]));
  const top = r.votes_round1.slice(0, 12);
  const maxShare = Math.max(...top.map((v) => v.share), 0.01);
  $("#votes1").replaceChildren(bars(top.map((v) => ({
    label: v.nuance, colour: v.colour, value: v.share / maxShare,
    text: `${fmt.pct(v.share)} · ${fmt.int(v.votes)}`,
  })), { caption: `Round-1 votes by nuance, ${r.year}` }));
}

// ----- after round 1 and round 1 as the basis -------------------------------------------------

function renderRound1() {
  const d = state.round1;
  if (!d) return;
  const r = state.results;
  $("#situations").replaceChildren(...Object.entries(d.situations).map(([k, n]) =>
    h("li", { "data-situation": k }, swatch(SITUATION_COLOURS[k]), h("span", {}, SITUATION_LABELS[k]), h("strong", {}, String(n)))));
  const wd = d.withdrawals;
  $("#withdrawals-total").textContent = d.round2 ? String(wd.total) : "not known yet";
  const maxW = Math.max(1, ...Object.values(wd.by_bloc));
  $("#withdrawals-by-bloc").replaceChildren(d.round2 ?
    bars(state.meta.seating.filter((b) => wd.by_bloc[b] > 0).map((b) => ({
      label: blocLabel(b), colour: blocColour(b), value: wd.by_bloc[b] / maxW, text: String(wd.by_bloc[b]),
    })), { caption: `Withdrawals by bloc, ${d.year}` }) :
    h("p", { class: "muted" }, `Round 2 of ${d.year} is not in the data: the withdrawals are not known.`));
  const plural = d.plurality.by_bloc;
  const groups = state.meta.seating.filter((b) => plural[b] > 0)
    .map((b) => ({ name: b, label: blocLabel(b), seats: plural[b], colour: blocColour(b) }));
  hemicycle($("#basis-hemicycle"), groups, {
    total: d.plurality.seats, majority: Math.floor(d.plurality.seats / 2) + 1,
    caption: `Round 1 as the basis, ${d.year} (first-round plurality): ` + groups.map((g) => `${g.label} ${g.seats}`).join(", "),
  });
  $("#basis-legend").replaceChildren(...groups.map((g) => h("li", {}, swatch(g.colour), h("span", {}, g.label), h("strong", {}, String(g.seats)))));
  const top = groups.reduce((a, g) => (g.seats > a.seats ? g : a), { seats: -1 });
  $("#basis-lede").textContent = `With round 1 as the basis, the ${top.label.toLowerCase()} would have won ${top.seats} of ${d.plurality.seats} seats` +
    (top.seats >= state.meta.majority ? ` — an absolute majority (${state.meta.majority}).` : `, short of an absolute majority (${state.meta.majority}).`);
  const actual = Object.fromEntries(r.seats_by_bloc.map((b) => [b.bloc, b.seats]));
  $("#basis-rows").replaceChildren(...state.meta.seating.filter((b) => plural[b] > 0 || actual[b] > 0).map((b) =>
    h("tr", { "data-bloc": b }, h("th", { scope: "row" }, swatch(blocColour(b)), blocLabel(b)),
      h("td", { class: "num" }, String(plural[b] ?? 0)),
      h("td", { class: "num" }, r.rounds.includes(2) ? String(actual[b] ?? 0) : "–"))));
}

// ----- map and drill-down ---------------------------------------------------------------------

async function renderMap() {
  const r = state.results;
  const layout = $("#map-layout").value;
  const host = $("#map");
  const caption = `The ${r.winners.length} constituencies of ${r.year}`;
  const onPick = (code) => showConstituency(code);
  // 1997-2007 were on the 1986 map: the contours (2010 map) do not describe them, so the grid
  const drawn = state.meta.elections.find((e) => e.year === r.year)?.map ?? false;
  let tiles = null;
  if (layout !== "grid" && drawn) {
    const chart = layout === "hexagons" ? "cartogram" : "map";
    try {
      const response = await fetch(`/api/elections/${r.year}/${chart}.svg?legend=false`);
      if (!response.ok) throw new Error(`${response.status}`);
      const text = await response.text();
      if (r !== state.results || layout !== $("#map-layout").value) return;
      tiles = serverMap(host, text, { onPick, caption }).tiles;
    } catch {
      tiles = null; // the grid below always works
    }
  }
  if (!tiles) {  // on a phone, bigger tiles: every constituency (Paris too) is big enough to tap
    const size = PHONE.matches ? { W: 320, cell: 21 } : {};
    tiles = tileMap(host, r.winners, { onPick, caption: `${caption}, grouped by department`, ...size }).tiles;
  }
  const noMap = $("#map-note");
  noMap.hidden = layout === "grid" || drawn;
  noMap.textContent = noMap.hidden ? "" : `No map or hexagons of ${r.year}: its constituencies are ` +
    "those of the 1986 map, and hemicycle has the contours of the 2010 map only (2012 on). The grid shows them by department.";
  state.tiles = tiles;
  paintMap();
}

function paintMap() {
  if (!state.tiles) return;
  const mode = $("#map-mode").value;
  const winners = new Map(state.results.winners.map((w) => [w.constituency, w]));
  const sits = new Map((state.round1?.constituencies ?? []).map((c) => [c.constituency, c]));
  const odds = state.projection ? new Map(state.projection.constituencies.map((c) => [c.constituency, c])) : null;
  const where = (w) => `${w.label} (${w.constituency})`;
  const note = $("#map-legend-note");
  if (mode === "projection" && odds) {
    paintTiles(state.tiles, (code) => {
      const w = winners.get(code);
      const o = odds.get(code);
      if (!o) return { colour: "#e4e4e4", title: `${where(w)}: not projected` };
      return {
        colour: blocColour(o.bloc),
        hatched: !o.decided && o.p_win < SURE,
        title: `${where(w)}: ${o.surname} (${o.nuance}) ` +
          (o.decided ? "already elected or unopposed" : `wins in ${fmt.pct(o.p_win, 0)} of simulations`),
      };
    });
    mapLegend(countBy([...odds.values()].map((o) => o.bloc)), true);
    note.textContent = "Colour: the most likely winner's bloc (count: constituencies led). " +
      `Solid: the leader wins in at least ${fmt.pct(SURE, 0)} of the simulations; striped: a closer race.`;
  } else if ((mode === "leader" || mode === "situation" || mode === "withdrawals") && sits.size) {
    paintRound1(mode, winners, sits, where);
  } else {
    paintTiles(state.tiles, (code) => {
      const w = winners.get(code);
      if (!w.bloc) return { colour: "#e4e4e4", title: `${where(w)}: no winner in the data` };
      return { colour: blocColour(w.bloc), title: `${where(w)}: ${w.first_name} ${w.surname} (${w.nuance}), round ${w.round}` };
    });
    mapLegend(countBy(state.results.winners.map((w) => w.bloc).filter(Boolean)));
    note.textContent = mode === "projection" ?
      "Run a projection to colour the map by its most likely winners." : "Colour: the bloc of the winner. " +
      "Click a constituency for its candidates.";
  }
  $("#map").dataset.colouring = mode;
  if (state.code && state.tiles.has(state.code)) highlight(state.code);
}

function paintRound1(mode, winners, sits, where) {
  const note = $("#map-legend-note");
  if (mode === "leader") {
    paintTiles(state.tiles, (code) => {
      const c = sits.get(code);
      return { colour: blocColour(c.leader_bloc), hatched: c.situation !== "elected",
        title: `${where(winners.get(code))}: ${c.leader_nuance} led round 1 with ${fmt.pct(c.leader_share)}` +
          (c.situation === "elected" ? ", elected" : `, ${SITUATION_LABELS[c.situation]}`) };
    });
    mapLegend(countBy([...sits.values()].map((c) => c.leader_bloc)));
    note.textContent = "Colour: the bloc of the round-1 leader. Solid: elected in round 1; striped: went to a runoff.";
  } else if (mode === "situation") {
    paintTiles(state.tiles, (code) => {
      const c = sits.get(code);
      return { colour: SITUATION_COLOURS[c.situation], title: `${where(winners.get(code))}: ${SITUATION_LABELS[c.situation]}` };
    });
    const counts = countBy([...sits.values()].map((c) => c.situation));
    legendItems(Object.keys(SITUATION_COLOURS).filter((k) => counts[k]).map((k) =>
      ({ colour: SITUATION_COLOURS[k], text: `${SITUATION_LABELS[k]} ${counts[k]}` })));
    note.textContent = "The runoff the law produces after round 1: how many candidates reached 12.5% of the registered voters.";
  } else {
    const known = state.round1.round2;
    paintTiles(state.tiles, (code) => {
      const c = sits.get(code);
      if (!known) return { colour: "#e4e4e4", title: `${where(winners.get(code))}: withdrawals not known (no round 2 in the data)` };
      if (!c.withdrawn.length) {
        return { colour: c.situation === "elected" ? "#f4f4f4" : "#d9d9d9",
          title: `${where(winners.get(code))}: ${c.situation === "elected" ? "elected in round 1" : "no withdrawal"}` };
      }
      const first = c.withdrawn[0];
      return { colour: blocColour(first), hatched: c.withdrawn.length > 1,
        title: `${where(winners.get(code))}: ${c.withdrawn.length} withdrawal(s): ${c.withdrawn.map(blocLabel).join(", ")}` };
    });
    const by = state.round1.withdrawals.by_bloc;
    legendItems(known ? [
      ...state.meta.seating.filter((b) => by[b]).map((b) => ({ colour: blocColour(b), text: `${blocLabel(b)} withdrew: ${by[b]}` })),
      { colour: "#d9d9d9", text: "runoff without withdrawal" }, { colour: "#f4f4f4", text: "elected in round 1" },
    ] : []);
    note.textContent = known ? `${state.round1.withdrawals.total} withdrawals. Colour: the bloc of the candidate who withdrew; striped: two withdrew.` :
      "Round 2 is not in the data: the withdrawals are not known.";
  }
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function legendItems(items) {
  $("#map-legend").replaceChildren(...items.map((it) => h("li", {}, swatch(it.colour), it.text)));
}

function mapLegend(counts, striped = false) {
  const items = state.meta.seating.filter((b) => counts[b]).map((b) => h("li", {}, swatch(blocColour(b)), `${blocLabel(b)} ${counts[b]}`));
  if (striped) {
    const s = swatch("#888");
    s.classList.add("striped");
    items.push(h("li", { class: "key-striped" }, s, `striped: leader wins in under ${fmt.pct(SURE, 0)} of simulations`));
  }
  $("#map-legend").replaceChildren(...items);
}

function highlight(code) {
  for (const t of document.querySelectorAll("#map .selected")) t.classList.remove("selected");
  for (const t of state.tiles?.get(code) ?? []) t.classList.add("selected");
}

async function search(query) {
  const list = $("#search-results");
  list.replaceChildren();
  if (!query) return;
  let hits;
  try {
    hits = await getJSON(`/api/search?q=${encodeURIComponent(query)}&year=${state.year}`);
  } catch (err) {
    list.replaceChildren(h("li", { class: "error", role: "alert" }, err.message));
    return;
  }
  if (!hits.length) {
    list.replaceChildren(h("li", { class: "muted" }, `Nothing in ${state.year} matches “${query}”: try a department, a name or a code such as 7502.`));
    return;
  }
  const exact = hits[0].match === "code" || hits[0].match === "constituency";
  if (hits.length === 1 || exact) {
    showConstituency(hits[0].code);
    if (hits.length === 1) return;
  }
  list.replaceChildren(...hits.map((x) => h("li", {},
    h("button", { type: "button", class: "link", "data-code": x.code, onclick: () => showConstituency(x.code) }, `${x.label} (${x.code})`),
    ` ${x.match === "department" ? "" : x.match + ": "}${x.match === "department" ? "" : x.detail}`)));
}

async function showConstituency(code, { scroll = true } = {}) {
  const host = $("#detail");
  code = code.toUpperCase();
  state.code = code;
  highlight(code);
  saveView();
  const c = await load(host, host, `/api/elections/${state.year}/constituencies/${encodeURIComponent(code)}`);
  if (!c) return;
  renderDetail(c);
  if (scroll && PHONE.matches) host.scrollIntoView({ block: "start" });
}

function renderDetail(c) {
  const host = $("#detail");
  const p = state.projection && state.projection.year === c.year ? state.projection : null;
  const pwin = new Map((p?.candidates ?? []).filter((x) => x.constituency === c.constituency).map((x) => [x.panel, x.p_win]));
  const statusText = (k) => k.withdrawn ? "withdrew" : k.status;
  const t1 = c.totals.find((t) => t.round === 1);
  const t2 = c.totals.find((t) => t.round === 2);
  const maxReg = Math.max(0.25, ...c.round1.map((k) => k.share_registered));
  const regBar = (k) => {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${(100 * k.share_registered) / maxReg}%`;
    fill.style.background = blocColour(k.bloc);
    const line = h("span", { class: "threshold", title: "12.5% of the registered voters" });
    line.style.left = `${(100 * 0.125) / maxReg}%`;
    return h("span", { class: "bar-track reg", "aria-hidden": "true" }, fill, line);
  };
  const row1 = (k) => h("tr", { class: k.status === "eliminated" ? "out" : "", "data-panel": k.panel },
    h("th", { scope: "row" }, `${k.first_name} ${k.surname}`, k.incumbent ? h("span", { class: "tag" }, "incumbent") : ""),
    h("td", {}, swatch(blocColour(k.bloc)), k.nuance),
    h("td", { class: "num", "data-label": "votes" }, fmt.int(k.votes)),
    h("td", { class: "num", "data-label": "cast" }, fmt.pct(k.share)),
    h("td", { class: "num share reg-cell", "data-value": fmt.pct(k.share_registered), "data-label": "registered" }, fmt.pct(k.share_registered), regBar(k)),
    h("td", {}, h("span", { class: `status ${k.withdrawn ? "withdrawn" : k.status}`,
      title: k.withdrawn ? "qualified for round 2, withdrew" : null }, statusText(k))),
    p ? h("td", { class: "num pwin", "data-label": "P(win)" }, pwin.has(k.panel) ? fmt.pct(pwin.get(k.panel), 0) : "–") : "");
  const row2 = (k) => h("tr", { class: k.elected ? "won" : "" },
    h("th", { scope: "row" }, `${k.first_name} ${k.surname}`),
    h("td", {}, swatch(blocColour(k.bloc)), k.nuance),
    h("td", { class: "num", "data-label": "votes" }, fmt.int(k.votes)),
    h("td", { class: "num", "data-label": "share" }, fmt.pct(k.share)),
    h("td", {}, k.elected ? h("span", { class: "status elected" }, "elected") : ""));
  const head = (cols, num) => h("thead", {}, h("tr", {}, ...cols.map((x, i) => h("th", { scope: "col", class: num.includes(i) ? "num" : "" }, x))));
  const w = c.winner;
  const explain = [];
  if (c.runoff) {
    const near = c.round1.filter((k) => k.status === "eliminated" && k.share >= 0.1);
    for (const k of near.slice(0, 2)) {
      explain.push(`${k.first_name} ${k.surname} had ${fmt.pct(k.share)} of the votes cast but ${fmt.pct(k.share_registered)} of the registered voters: ` +
        "under the 12.5% line, so eliminated.");
    }
  }
  const previous = c.previous ? renderPrevious(c) : h("p", { class: "muted small" },
    "No earlier election on the same boundaries in the data.");
  const table1 = h("table", { class: "cands", id: "cands1" }, h("caption", {}, "Round 1"),
    head(["Candidate", "Nuance", "Votes", "% cast", "% registered", "Status", ...(p ? ["P(win)"] : [])], [2, 3, 4, 6]),
    h("tbody", {}, c.round1.map(row1)));
  host.replaceChildren(
    h("h3", {}, `${c.label} `, h("span", { class: "code" }, `${c.constituency} · ${c.department_name}, ${c.name}`)),
    w ? h("p", { class: "winner" }, swatch(blocColour(w.bloc)),
      h("strong", {}, `${w.first_name} ${w.surname}`), ` (${w.nuance}, ${blocLabel(w.bloc)}) elected in round ${w.round} with ${fmt.int(w.votes)} votes.`)
      : h("p", { class: "winner muted" }, c.runoff ? "Went to a runoff: round 2 is not in the data." : "No winner in the data."),
    h("p", { class: "muted" }, `Round 1: ${fmt.pct(t1.turnout)} turnout, ${fmt.int(t1.expressed)} votes expressed` +
      (t2 ? `; round 2: ${fmt.pct(t2.turnout)} turnout, ${fmt.int(t2.expressed)} expressed.` : ".")),
    h("p", { class: "law small" }, "The law: elected in round 1 with over half the votes cast and a quarter of the registered voters; " +
      "otherwise every candidate with 12.5% of the registered voters (the line on the bars) goes to round 2" +
      (p ? ". P(win): the projection's chance of winning the seat." : ".")),
    ...explain.map((t) => h("p", { class: "explain small" }, t)),
    h("div", { class: "table-scroll" }, table1),
    h("p", { class: "downloads-line" }, tableButton(() => $("#cands1"), () => `hemicycle-${c.year}-${c.constituency}-round1`, "the round-1 table")),
    c.round2.length ? h("div", { class: "table-scroll" }, h("table", { class: "cands" }, h("caption", {}, "Round 2"),
      head(["Candidate", "Nuance", "Votes", "Share", ""], [2, 3]), h("tbody", {}, c.round2.map(row2)))) : "",
    previous,
    c.unresolved_tie ? h("p", { class: "error" }, "Round 2 ended in a tie that the data cannot resolve (no birth dates).") : "");
}

function renderPrevious(c) {
  const pv = c.previous;
  const w = pv.winner;
  const blocs = state.meta.seating.filter((b) => b in pv.swing);
  const now = {};
  for (const k of c.round1) now[k.bloc] = (now[k.bloc] ?? 0) + k.share;
  return h("div", { class: "previous" },
    h("h4", {}, `The same seat in ${pv.year} (same boundaries)`),
    h("p", { class: "small" }, w ? `Won by ${w.first_name} ${w.surname} (${w.nuance}, ${blocLabel(w.bloc)}) in round ${w.round}.` :
      `The ${pv.year} winner is not in the data (round 2 missing).`),
    h("p", { class: "downloads-line" }, tableButton(() => $("#detail table.swing"), () => `hemicycle-${c.year}-${c.constituency}-swing`, "the swing table")),
    h("div", { class: "table-scroll" }, h("table", { class: "swing" }, h("caption", {}, `Round-1 share by bloc, ${pv.year} → ${c.year}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Bloc"), h("th", { scope: "col", class: "num" }, String(pv.year)),
        h("th", { scope: "col", class: "num" }, String(c.year)), h("th", { scope: "col", class: "num" }, "Swing (points)"))),
      h("tbody", {}, blocs.map((b) => h("tr", { "data-bloc": b },
        h("th", { scope: "row" }, swatch(blocColour(b)), blocLabel(b)),
        h("td", { class: "num" }, fmt.pct(pv.shares[b] ?? 0)),
        h("td", { class: "num" }, fmt.pct(now[b] ?? 0)),
        h("td", { class: `num ${pv.swing[b] >= 0 ? "up" : "down"}` }, `${pv.swing[b] >= 0 ? "+" : "−"}${Math.abs(pv.swing[b]).toFixed(1)}`)))))));
}

// ----- projection playground ------------------------------------------------------------------

function overrideId(from, to) {
  return `${from}-${to}`.replaceAll("_", "");
}

/** A what-if slider for `from` → `to`, starting at the learnt rate. */
function addOverride(from, to, { checked = false, rate = null } = {}) {
  const id = overrideId(from, to);
  if ($(`#ov-${id}`)) return;
  const learnt = state.learnt[`${from}:${to}`];
  const start = rate !== null ? Math.round(rate * 100) : learnt !== undefined ? Math.round(learnt * 100) : 50;
  const on = h("input", { type: "checkbox", id: `ov-${id}-on`, "aria-controls": `ov-${id}`, checked,
    "data-from": from, "data-to": to, class: "ov-on" });
  const range = h("input", { type: "range", id: `ov-${id}`, min: 0, max: 100, step: 1, value: start,
    disabled: !checked, "aria-describedby": `ov-${id}-hint` });
  const out = h("output", { for: `ov-${id}`, id: `ov-${id}-out` }, `${start}%`);
  const text = `${originLabel(from)} who back the ${blocLabel(to).toLowerCase()} candidate`;
  on.addEventListener("change", () => {
    range.disabled = !on.checked;
    schedule();
  });
  range.addEventListener("input", () => {
    out.textContent = `${range.value}%`;
  });
  range.addEventListener("change", schedule);
  const reset = h("button", { type: "button", class: "link small", "aria-label": `Reset ${text} to the learnt rate` }, "learnt");
  reset.addEventListener("click", () => {
    const l = state.learnt[`${from}:${to}`];
    if (l === undefined) return;
    range.value = String(Math.round(l * 100));
    out.textContent = `${range.value}%`;
    if (on.checked) schedule();
  });
  $("#ov-list").append(h("div", { class: "override", "data-pair": `${from}:${to}` },
    h("div", { class: "override-head" }, on, h("label", { for: `ov-${id}-on` }, text)),
    h("div", { class: "override-body" }, h("label", { for: `ov-${id}`, class: "visually-hidden" }, `${text}: share`), range, out),
    h("p", { class: "hint", id: `ov-${id}-hint` }, `where no ${originLabel(from).toLowerCase().replace("round-1 ", "")} candidate stands; `,
      h("span", { class: "learnt" }, learnt !== undefined ? `learnt: ${fmt.pct(learnt, 0)}` : "learnt: –"), " ", reset)));
}

function activeOverrides() {
  return [...document.querySelectorAll("#ov-list .ov-on")].filter((on) => on.checked).map((on) => ({
    from: on.dataset.from, to: on.dataset.to,
    rate: Number($(`#ov-${overrideId(on.dataset.from, on.dataset.to)}`).value) / 100,
  }));
}

function buildPlayground() {
  const from = $("#ov-from");
  const to = $("#ov-to");
  from.replaceChildren(...ORIGINS.map((o) => h("option", { value: o }, originLabel(o))));
  to.replaceChildren(...state.meta.blocs.map((b) => h("option", { value: b.bloc }, b.label)));
  to.value = "centre";
  $("#ov-add").addEventListener("click", () => {
    if (from.value === to.value) return;
    addOverride(from.value, to.value, { checked: true });
    schedule();
  });
  const wanted = state.restoring?.ov ?? [];
  for (const [f, t] of DEFAULT_OVERRIDES) {
    const w = wanted.find((o) => o.from === f && o.to === t);
    addOverride(f, t, w ? { checked: true, rate: w.rate } : {});
  }
  for (const o of wanted) addOverride(o.from, o.to, { checked: true, rate: o.rate });
  for (const id of ["#train", "#withdrawals"]) {
    $(id).addEventListener("change", async () => {
      if (id === "#train") await loadLearnt();
      schedule();
    });
  }
  $("#proj-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runProjection();
  });
  $("#sims").max = String(state.meta.max_sims);
}

/** The learnt rates of the training election: the sliders' starting points. */
async function loadLearnt() {
  const train = $("#train").value;
  state.learnt = {};
  if (state.canProject) {  // else nothing to learn from: no request bound to fail
    try {
      const d = await getJSON(`/api/transfers?train=${train}&year=${state.year}`);
      for (const r of d.rates) state.learnt[`${r.origin}:${r.destination}`] = r.rate;
    } catch {
      state.learnt = {};
    }
  }
  for (const div of document.querySelectorAll("#ov-list .override")) {
    const [from, to] = div.dataset.pair.split(":");
    const l = state.learnt[`${from}:${to}`];
    div.querySelector(".learnt").textContent = l !== undefined ? `learnt: ${fmt.pct(l, 0)}` : "learnt: –";
    const on = div.querySelector(".ov-on");
    if (!on.checked && l !== undefined) {
      const range = div.querySelector("input[type=range]");
      range.value = String(Math.round(l * 100));
      div.querySelector("output").textContent = `${range.value}%`;
    }
  }
}

async function resetPlayground() {
  const year = state.year;
  const info = state.meta.elections.find((e) => e.year === year);
  const trains = state.meta.train_years;
  const earlier = trains.filter((t) => t < year);
  state.canProject = earlier.length > 0;
  // a model never learns from the election it projects, nor from a later one
  const options = earlier.length
    ? [h("option", { value: "all", selected: true }, `all earlier (${earlier.join(", ")})`),
       ...earlier.slice().reverse().map((t) => h("option", { value: t }, String(t)))]
    : [h("option", { value: "all", selected: true, disabled: true }, "no earlier election")];
  $("#train").replaceChildren(...options);
  const hasRound2 = info.rounds.includes(2);
  const wd = $("#withdrawals");
  wd.querySelector('option[value="data"]').disabled = !hasRound2;
  wd.value = hasRound2 ? "data" : "none";
  const view = state.restoring;
  if (view) {
    setSelect($("#train"), view.train);
    setSelect(wd, view.lineup);
    if (view.coal) state.wantedCoal = view.coal;
  }
  $("#proj-target").textContent = String(year);
  await loadLearnt();
}

let timer = null;
function schedule() {
  clearTimeout(timer);
  saveView();
  timer = setTimeout(runProjection, 250);
}

function projectionBody() {
  const body = {
    year: state.year,
    train: $("#train").value === "all" ? "all" : Number($("#train").value),
    sims: Number($("#sims").value) || 5000,
    withdrawals: $("#withdrawals").value || null,
    overrides: activeOverrides(),
  };
  const seed = $("#seed").value.trim();
  body.seed = seed === "" ? null : Number(seed);
  return body;
}

/** The request of the unmodified projection that `body` modifies (its what-ifs left out). */
const unmodified = (body) => JSON.stringify({ ...body, overrides: [] });

/** While a projection waits for the transfers to be learnt, show the fit's stage as a bar. */
async function fitProgress(status, seq) {
  let f;
  try {
    f = await getJSON("/api/status");
  } catch {
    return;
  }
  if (seq !== state.projSeq || !f.active) return;
  const bar = h("progress", { max: String(Math.max(f.total, 1)), value: String(f.done) });
  bar.setAttribute("aria-label", "learning the transfers");
  status.replaceChildren(`Learning the transfers: ${f.stage} (${f.done}/${f.total}) `, bar);
}

/** A year with no earlier election to learn from: say so, and show no projection. */
function noProjection() {
  const status = $("#proj-status");
  status.removeAttribute("role");
  status.className = "status-line";
  status.textContent = `No earlier election with both rounds in the store to learn the vote transfers from: ` +
    `round 2 of ${state.year} cannot be projected.`;
  $("#p-major").textContent = "–";
  $("#intervals").replaceChildren();
  $("#proj-rows").replaceChildren();
  $("#closest").replaceChildren();
  $("#actual-note").hidden = true;
  busy($("#projection"), false);
  state.restoring = null;
  saveView();
}

async function runProjection() {
  if (!state.results) return;
  const seq = ++state.projSeq;
  state.projAbort?.abort();
  if (!state.canProject) {
    noProjection();
    return;
  }
  const abort = new AbortController();
  state.projAbort = abort;
  const body = projectionBody();
  const status = $("#proj-status");
  const section = $("#projection");
  busy(section, true);
  status.className = "status-line";
  status.textContent = `Simulating ${fmt.int(body.sims)} elections… (the first run with new training elections learns their transfers: about a minute)`;
  const post = (b) => getJSON("/api/project", {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b), signal: abort.signal,
  });
  let p;
  let base = null;
  const poll = setInterval(() => fitProgress(status, seq), 1000);
  try {
    p = await post(body);
    if (body.overrides.length && body.seed !== null) {  // the change vs the unmodified projection, same seed
      const key = unmodified(body);
      base = state.baseline?.body === key ? state.baseline : { ...(await post({ ...body, overrides: [] })), body: key };
    }
  } catch (err) {
    clearInterval(poll);
    if (err.name === "AbortError" || seq !== state.projSeq) return;
    busy(section, false);
    state.restoring = null;
    status.className = "status-line error";
    status.setAttribute("role", "alert");
    status.textContent = err.message;
    return;
  }
  clearInterval(poll);
  if (seq !== state.projSeq) return;
  busy(section, false);
  state.projection = p;
  if (!body.overrides.length) state.baseline = { ...p, body: unmodified(body) };
  else if (base) state.baseline = base;
  status.removeAttribute("role");
  status.className = "status-line";
  status.textContent = `${fmt.int(p.sims)} simulated elections in ${p.elapsed_s.toFixed(1)} s · seed ${p.seed} · lineup: ${p.lineup}`;
  renderProjection(body.overrides.length && base ? base : null);
  if ($("#map-mode").value === "projection") paintMap();
  if (state.code && $("#detail table.cands")) {
    const c = await getJSON(`/api/elections/${state.year}/constituencies/${encodeURIComponent(state.code)}`).catch(() => null);
    if (c && c.constituency === state.code) renderDetail(c);
  }
  state.restoring = null;
  saveView();
}

function renderProjection(baseline) {
  const p = state.projection;
  const r = state.results;
  const actual = r.rounds.includes(2) && p.year === r.year ?
    Object.fromEntries(r.seats_by_bloc.map((b) => [b.bloc, b.seats])) : null;
  const before = baseline ? Object.fromEntries(baseline.blocs.map((b) => [b.group, b.mean])) : null;
  const order = state.meta.seating;
  const rows = [...p.blocs]
    .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
    .filter((b) => b.hi > 0 || b.mean > 0 || (actual && actual[b.group] > 0))
    .map((b) => ({ ...b, label: blocLabel(b.group), colour: blocColour(b.group), actual: actual ? actual[b.group] ?? 0 : null }));
  intervals($("#intervals"), rows, {
    majority: state.meta.majority,
    caption: `Projected seats by bloc, ${p.year}, transfers learnt from ${p.train}: median and 90% interval`,
  });
  $("#actual-note").hidden = !actual;
  $("#p-major").textContent = fmt.pct(p.p_any_majority);
  $("#proj-rows").replaceChildren(...rows.map((b) => {
    const d = before ? b.mean - (before[b.group] ?? 0) : null;
    return h("tr", { "data-bloc": b.group },
      h("th", { scope: "row" }, swatch(b.colour), b.label),
      h("td", { class: "num mean" }, b.mean.toFixed(1)),
      h("td", { class: "num" }, fmt.seats(b.median)),
      h("td", { class: "num" }, `${fmt.seats(b.lo)}–${fmt.seats(b.hi)}`),
      h("td", { class: "num" }, fmt.pct(b.p_majority)),
      h("td", { class: "num delta", hidden: !before }, d === null ? "" : `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)}`),
      actual ? h("td", { class: "num" }, String(b.actual)) : h("td", { class: "num", hidden: true }, ""));
  }));
  $("#proj-delta-col").hidden = !before;
  $("#proj-actual-col").hidden = !actual;
  $("#closest").replaceChildren(...p.closest.slice(0, 12).map((c) => h("li", {},
    h("button", { type: "button", class: "link", onclick: () => showConstituency(c.constituency) }, `${labelOf(c.constituency)} (${c.constituency})`),
    ` ${c.leader} ${fmt.pct(c.p_win, 0)} vs ${c.runner_up}`)));
}

// ----- downloads ------------------------------------------------------------------------------

function buildDownloads() {
  const y = () => state.year;
  $("#hemicycle-dl").replaceChildren(chartButtons(() => $("#hemicycle svg"), () => `hemicycle-${y()}-seats`, "the hemicycle"));
  $("#basis-dl").replaceChildren(chartButtons(() => $("#basis-hemicycle svg"), () => `hemicycle-${y()}-round1-basis`, "the round-1 basis hemicycle"));
  $("#map-dl").replaceChildren(chartButtons(() => $("#map svg"), () => `hemicycle-${y()}-map-${$("#map-mode").value}`, "the map"));
  $("#pres-dl").replaceChildren(chartButtons(() => $("#pres-hemicycle svg"), () => `hemicycle-presidential-${state.pres?.year}-round${state.pres?.round}-assembly`, "the presidential Assembly"));
  $("#pres-map-dl").replaceChildren(chartButtons(() => $("#pres-map svg"), () => `hemicycle-presidential-${state.pres?.year}-round${state.pres?.round}-map`, "the presidential map"));
  $("#intervals-dl").replaceChildren(chartButtons(() => $("#intervals svg"), () => `hemicycle-${y()}-projection`, "the projection chart"));
  $("#nuances-dl").replaceChildren(tableButton(() => $("#nuances-table"), () => `hemicycle-${y()}-seats-by-nuance`, "the seats by nuance"));
  $("#basis-table-dl").replaceChildren(tableButton(() => $("#basis-table"), () => `hemicycle-${y()}-round1-basis`, "the round-1 basis table"));
  const projCsv = h("button", { type: "button", class: "dl", "data-export": "csv", "aria-label": "Download the projection of every candidate as CSV" }, "Projection CSV");
  projCsv.addEventListener("click", () => {
    const p = state.projection;
    if (!p) return;
    downloadCSV(["year", "train", "seed", "sims", "constituency", "label", "panel", "p_win"],
      p.candidates.map((c) => [p.year, p.train, p.seed, p.sims, c.constituency, labelOf(c.constituency), c.panel, c.p_win]),
      `hemicycle-${p.year}-projection-train${p.train}`);
  });
  $("#proj-dl").replaceChildren(tableButton(() => $("#proj-table"), () => `hemicycle-${y()}-projected-seats`, "the projected seats"), " ", projCsv);
}

// ----- other systems and coalitions -----------------------------------------------------------

async function loadSystems() {
  const host = $("#systems-body");
  const section = $("#systems");
  const unit = $("#sys-unit").value;
  const year = state.year;
  host.replaceChildren(h("p", { class: "muted" }, "Allocating seats under every system…"));
  const cmp = await load(section, host, `/api/elections/${year}/compare?unit=${unit}`);
  if (!cmp || year !== state.year) return;
  const order = unit === "bloc" ? state.meta.seating : null;
  const sortParts = (seats) => order ?
    [...seats].sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group)) : seats;
  const table = h("table", { class: "systems", id: "systems-table" },
    h("caption", { class: "visually-hidden" }, `Seats of ${year} under each system`),
    h("thead", {}, h("tr", {}, ...["System", "Assembly", "Largest group", "Gallagher", "Parties (seats)"].map((x, i) =>
      h("th", { scope: "col", class: i >= 3 ? "num" : "" }, x)))),
    h("tbody", {}, cmp.systems.map((s) => h("tr", { "data-system": s.system },
      h("th", { scope: "row" }, h("span", { class: "sys-name" }, s.system.replaceAll("_", " ")),
        h("span", { class: "sys-title" }, s.title), ...s.notes.map((n) => h("span", { class: "sys-note" }, n))),
      h("td", { class: "bar-col", "data-value": sortParts(s.seats).map((g) => `${groupLabel(unit, g.group)} ${g.seats}`).join("; ") }, seatBar(sortParts(s.seats).map((g) => ({ label: groupLabel(unit, g.group), colour: g.colour, seats: g.seats })),
        { total: s.house_size, majority: Math.floor(s.house_size / 2) + 1,
          caption: `${s.system}: ` + s.seats.map((g) => `${groupLabel(unit, g.group)} ${g.seats}`).join(", ") })),
      h("td", {}, `${groupLabel(unit, s.largest)} ${s.seats[0]?.seats ?? ""}`,
        h("span", { class: s.majority ? "tag ok" : "tag" }, s.majority ? "majority" : "no majority")),
      h("td", { class: "num", "data-label": "Gallagher" }, s.indices.gallagher === null ? "–" : s.indices.gallagher.toFixed(1)),
      h("td", { class: "num", "data-label": "Parties" }, s.indices.enp_seats === null ? "–" : s.indices.enp_seats.toFixed(2))))));
  const legendGroups = new Map();
  for (const s of cmp.systems) for (const g of s.seats) legendGroups.set(g.group, g.colour);
  const legendOrder = order ? [...legendGroups].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])) : [...legendGroups];
  const legend = h("ul", { class: "legend inline" }, legendOrder.slice(0, 24).map(([g, c]) =>
    h("li", {}, swatch(c), groupLabel(unit, g))));
  host.replaceChildren(legend, h("div", { class: "table-scroll" }, table),
    h("p", { class: "downloads-line" }, tableButton(() => $("#systems-table"), () => `hemicycle-${year}-systems-${unit}`, "the systems table")),
    h("p", { class: "muted" }, "Gallagher: disproportionality between votes and seats (least-squares index, in points). " +
      "Parties: effective number of parties by seats. The line on each bar marks an absolute majority."));
  const names = cmp.systems.map((s) => s.system);
  if (names.join() !== state.systems.join()) {
    state.systems = names;
    const sel = $("#coal-system");
    const keep = state.wantedCoal ?? (sel.value || "actual");
    state.wantedCoal = null;
    sel.replaceChildren(...names.map((n) => h("option", { value: n, selected: n === keep }, n.replaceAll("_", " "))));
  }
  loadCoalitions();
}

async function loadCoalitions() {
  const host = $("#coalitions-body");
  const section = $("#coalitions");
  const system = $("#coal-system").value || "actual";
  const unit = $("#coal-unit").value;
  const year = state.year;
  const g = await load(section, host,
    `/api/elections/${year}/coalitions?system=${encodeURIComponent(system)}&unit=${unit}&minimal=true`);
  if (!g || year !== state.year) return;
  const colour = Object.fromEntries(g.seats.map((s) => [s.group, s.colour]));
  const seatsOf = Object.fromEntries(g.seats.map((s) => [s.group, s.seats]));
  const chip = (m) => h("span", { class: "chip" }, swatch(colour[m] ?? "#999"), `${groupLabel(unit, m)} ${seatsOf[m] ?? ""}`);
  const table = g.coalitions.length ? h("table", { class: "coal", id: "coal-table" },
    h("caption", {}, `${g.count} minimal winning coalition${g.count === 1 ? "" : "s"} (${g.quota} of ${g.house_size} seats needed)`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Members"), h("th", { scope: "col", class: "num" }, "Seats"),
      h("th", { scope: "col" }, "Neighbours on the left–right axis"))),
    h("tbody", {}, g.coalitions.slice(0, 40).map((c) => h("tr", {},
      h("td", {}, c.members.map(chip)), h("td", { class: "num" }, String(c.seats)),
      h("td", {}, c.connected ? "yes" : "no")))))
    : h("p", {}, "One group holds an absolute majority on its own.");
  const power = (name, values) => h("div", { class: "power" }, h("h4", {}, name),
    bars(g.seats.map((s) => ({ label: groupLabel(unit, s.group), colour: s.colour, value: values[s.group] ?? 0,
      text: fmt.pct(values[s.group] ?? 0, 0) })), { caption: `${name} index by group` }));
  const notes = (g.notes ?? []).map((n) => h("p", { class: "sys-note coal-note" }, n));
  host.replaceChildren(
    ...notes,
    h("div", { class: "grid two" },
      h("div", { class: "table-scroll" }, table,
        g.coalitions.length ? h("p", { class: "downloads-line" }, tableButton(() => $("#coal-table"),
          () => `hemicycle-${year}-coalitions-${system}-${unit}`, "the coalitions table")) : ""),
      h("div", {}, power("Banzhaf", g.banzhaf), power("Shapley–Shubik", g.shapley),
        h("p", { class: "muted" }, "Voting power: how often a group turns a losing coalition into a winning one. " +
          "Seats are not power: a group whose seats never make the difference has none."))));
}

// ----- the presidential election as a legislative one ------------------------------------------

/** Fill the presidential year picker (the store's years, latest first chosen) and show one round. */
async function startPresidential(view) {
  const host = $("#pres-body");
  const list = await load($("#presidential"), host, "/api/presidential");
  if (!list) return;
  const sel = $("#pres-year");
  if (!list.years.length) {
    $("#pres-claim").textContent = "No presidential election in the store: `hemicycle serve` reads them in at start-up.";
    return;
  }
  const wanted = list.years.includes(Number(view.pyear)) ? Number(view.pyear) : list.years[list.years.length - 1];
  sel.replaceChildren(...list.years.map((y) => h("option", { value: y, selected: y === wanted }, String(y))));
  setSelect($("#pres-round"), view.pround);
  const change = () => {
    loadPresidential();
    saveView();
  };
  sel.addEventListener("change", change);
  $("#pres-round").addEventListener("change", change);
  await loadPresidential();
}

async function loadPresidential() {
  const year = Number($("#pres-year").value);
  const round = Number($("#pres-round").value);
  const section = $("#presidential");
  const claim = $("#pres-claim");
  let p;
  busy(section, true);
  try {
    p = await getJSON(`/api/presidential/${year}?round=${round}`);
  } catch (err) {
    claim.textContent = err.message;
    claim.classList.add("error");
    return;
  } finally {
    busy(section, false);
  }
  if (year !== Number($("#pres-year").value) || round !== Number($("#pres-round").value)) return;
  claim.classList.remove("error");
  state.pres = p;
  claim.textContent = p.claim;
  const groups = p.national.filter((c) => c.seats > 0)
    .map((c) => ({ name: c.candidate, label: c.name, seats: c.seats, colour: c.colour }));
  const caption = `The ${year} presidential round ${round} as a legislative election: ` +
    groups.map((g) => `${g.label} ${g.seats}`).join(", ") + (p.ties ? `, ${p.ties} tied` : "");
  hemicycle($("#pres-hemicycle"), groups, { total: p.constituencies, majority: p.majority, caption });
  $("#pres-bar").replaceChildren(seatBar(groups, { total: p.constituencies, majority: p.majority, caption }));
  $("#pres-legend").replaceChildren(...groups.map((g) =>
    h("li", { "data-candidate": g.name }, swatch(g.colour), h("span", {}, g.label), h("strong", {}, String(g.seats)))),
    ...(p.ties ? [h("li", {}, swatch("#e4e4e4"), h("span", {}, "tied"), h("strong", {}, String(p.ties)))] : []));
  const top = Math.max(...p.national.map((c) => c.share), 0.01);
  $("#pres-national").replaceChildren(bars(p.national.slice(0, 12).map((c) => ({
    label: c.name, colour: c.colour, value: c.share / top,
    text: `${fmt.pct(c.share)} · ${c.seats} seat${c.seats === 1 ? "" : "s"}`,
  })), { caption: `The ${year} presidential round ${round}, national result` }));
  $("#pres-note").textContent = `Shares of the votes expressed in the ${p.constituencies} constituencies of the ${p.boundary_map} map` +
    (p.constituencies < 577 && p.boundary_map === "1986" ? " (metropolitan France only, as the source's tables are)" : "") +
    `; an absolute majority is ${p.majority}. Finalists in their bloc's colour.`;
  await presidentialMap(p);
}

async function presidentialMap(p) {
  const host = $("#pres-map");
  const caption = `Who led each constituency in the ${p.year} presidential round ${p.round}`;
  let tiles = null;
  if (p.map_year !== null) {
    try {
      const response = await fetch(`/api/elections/${p.map_year}/map.svg?legend=false`);
      if (!response.ok) throw new Error(`${response.status}`);
      const text = await response.text();
      if (p !== state.pres) return;
      tiles = serverMap(host, text, { caption }).tiles;
    } catch {
      tiles = null; // the grid below always works
    }
  }
  if (p !== state.pres) return;
  if (!tiles) {
    const size = PHONE.matches ? { W: 320, cell: 21 } : {};
    tiles = tileMap(host, p.results, { caption: `${caption}, grouped by department`, ...size }).tiles;
  }
  state.presTiles = tiles;
  const byCode = new Map(p.results.map((r) => [r.constituency, r]));
  const colour = Object.fromEntries(p.national.map((c) => [c.candidate, c.colour]));
  const name = Object.fromEntries(p.national.map((c) => [c.candidate, c.name]));
  paintTiles(tiles, (code) => {
    const r = byCode.get(code);
    if (!r) return { colour: "#e4e4e4", title: `${code}: not in the ${p.year} file` };
    const shares = Object.entries(r.shares).map(([c, v]) => `${name[c] ?? c} ${fmt.pct(v)}`).join(", ");
    if (!r.leader) return { colour: "#e4e4e4", hatched: true, state: "tie", title: `${r.label} (${code}): a tie — ${shares}` };
    return { colour: colour[r.leader] ?? "#999", state: r.leader,
      title: `${r.label} (${code}): ${name[r.leader] ?? r.leader} led by ${r.margin.toFixed(1)} points — ${shares}` };
  });
  $("#pres-map").dataset.colouring = `presidential-${p.year}-${p.round}`;
  const counts = countBy(p.results.map((r) => r.leader ?? ""));
  $("#pres-map-legend").replaceChildren(...p.national.filter((c) => counts[c.candidate]).map((c) =>
    h("li", {}, swatch(c.colour), `${c.name} ${counts[c.candidate]}`)),
    ...(counts[""] ? [h("li", {}, swatch("#e4e4e4"), `tied ${counts[""]}`)] : []));
  $("#pres-map-note").textContent = p.map_year !== null ?
    `Colour: the candidate who led the constituency (the contours of the ${p.boundary_map} map).` :
    `Colour: the candidate who led the constituency. hemicycle has the contours of the 2010 map only: ` +
    `the ${p.boundary_map} map's constituencies are shown on a grid, by department.`;
}

start();
