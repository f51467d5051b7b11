// The hemicycle dashboard: national results, the constituency map and drill-down, the projection
// playground, other electoral systems and coalitions. Plain ES modules; every number comes from
// the JSON API of the same server.

import { bars, fmt, h, hemicycle, intervals, paintTiles, seatBar, serverMap, swatch, tileMap } from "./charts.js";

const $ = (sel) => document.querySelector(sel);

const state = {
  meta: null,
  year: null,
  results: null,
  tiles: null,
  code: null,
  projection: null,
  projSeq: 0,
  projAbort: null,
  systems: [],
  colour: {},
  label: {},
};

/** What-if sliders: each overrides one learnt transfer rate (POST /api/project `overrides`). */
const OVERRIDES = [
  { id: "left-centre", from: "left", to: "centre", value: 50,
    label: "Left voters who back the centre candidate",
    hint: "where no left candidate stands (the left withdrew or was eliminated)" },
  { id: "centre-left", from: "centre", to: "left", value: 50,
    label: "Centre voters who back the left candidate",
    hint: "where no centre candidate stands" },
  { id: "right-far_right", from: "right", to: "far_right", value: 50,
    label: "Right voters who back the far-right candidate",
    hint: "where no right candidate stands" },
];

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

function groupLabel(unit, g) {
  return unit === "bloc" ? blocLabel(g) : g;
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
  const params = new URLSearchParams(location.search);
  const wanted = Number(params.get("year"));
  state.year = years.includes(wanted) ? wanted : years[years.length - 1];
  state.code = params.get("code");
  const select = $("#year");
  select.replaceChildren(...years.map((y) => h("option", { value: y, selected: y === state.year }, String(y))));
  select.addEventListener("change", () => loadYear(Number(select.value)));

  buildPlayground();
  $("#map-mode").addEventListener("change", paintMap);
  $("#map-layout").addEventListener("change", renderMap);
  $("#pick").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = $("#code").value.trim().toUpperCase();
    if (code) showConstituency(code);
  });
  $("#sys-unit").addEventListener("change", loadSystems);
  $("#coal-system").addEventListener("change", loadCoalitions);
  $("#coal-unit").addEventListener("change", loadCoalitions);
  await loadYear(state.year);
}

async function loadYear(year) {
  state.year = year;
  state.projection = null;
  for (const el of document.querySelectorAll("[data-year]")) el.textContent = String(year);
  const url = new URL(location.href);
  url.searchParams.set("year", String(year));
  history.replaceState(null, "", url);
  const results = await load($("#results"), $("#results-body"), `/api/elections/${year}/results`);
  if (!results) return;
  state.results = results;
  renderResults();
  renderMap();
  if (state.code && state.results.winners.some((w) => w.constituency === state.code)) {
    showConstituency(state.code);
  } else {
    $("#detail").replaceChildren(h("p", { class: "muted" },
      "Pick a constituency on the map, or type its code above, to see every candidate of both rounds."));
  }
  resetPlayground();
  runProjection();
  loadSystems();
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
    lede.push(`The two-round law applied to the Ministry of the Interior's files elects all ${r.decided} deputies: `);
    lede.push(r.replay_ok ? "every decision matches the official outcome." :
      `${r.mismatches} decision(s) differ from the official outcome.`);
  } else {
    lede.push(`Round 2 of ${r.year} is not in the data: only the ${r.decided} deputies elected in round 1 are known. `);
    lede.push("The projection playground below simulates the rest.");
  }
  $("#results-lede").textContent = lede.join("");
  hemicycle($("#hemicycle"), groups, {
    total: r.seats, majority: r.majority,
    caption: `Seats by bloc, ${r.year}: ` + groups.map((g) => `${g.label} ${g.seats}`).join(", "),
  });
  $("#bloc-legend").replaceChildren(...state.meta.blocs
    .filter((b) => seats[b.bloc] > 0)
    .map((b) => h("li", {}, swatch(b.colour), h("span", {}, b.label), h("strong", {}, String(seats[b.bloc])))));
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
      h("br"), `${fmt.int(t.expressed)} votes expressed, ${fmt.int(t.blank)} blank, ${fmt.int(t.null)} null` +
      (t.constituencies < r.seats ? ` (${t.constituencies} constituencies)` : "")),
  ]));
  const top = r.votes_round1.slice(0, 12);
  const maxShare = Math.max(...top.map((v) => v.share), 0.01);
  $("#votes1").replaceChildren(bars(top.map((v) => ({
    label: v.nuance, colour: v.colour, value: v.share / maxShare,
    text: `${fmt.pct(v.share)} · ${fmt.int(v.votes)}`,
  })), { caption: `Round-1 votes by nuance, ${r.year}` }));
}

// ----- map and drill-down ---------------------------------------------------------------------

async function renderMap() {
  const r = state.results;
  const layout = $("#map-layout").value;
  const host = $("#map");
  const caption = `The ${r.winners.length} constituencies of ${r.year}`;
  const onPick = (code) => showConstituency(code);
  let tiles = null;
  if (layout !== "grid") {
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
  if (!tiles) {
    tiles = tileMap(host, r.winners, { onPick, caption: `${caption}, grouped by department` }).tiles;
  }
  state.tiles = tiles;
  $("#codes").replaceChildren(...r.winners.map((w) =>
    h("option", { value: w.constituency }, `${w.department_name}, ${w.name}`)));
  paintMap();
}

function paintMap() {
  if (!state.tiles) return;
  const mode = $("#map-mode").value;
  const winners = new Map(state.results.winners.map((w) => [w.constituency, w]));
  const odds = state.projection ? new Map(state.projection.constituencies.map((c) => [c.constituency, c])) : null;
  const where = (w) => `${w.constituency} ${w.department_name}, ${w.name}`;
  if (mode === "projection" && odds) {
    paintTiles(state.tiles, (code) => {
      const w = winners.get(code);
      const o = odds.get(code);
      if (!o) return { colour: "#e4e4e4", title: `${where(w)}: not projected` };
      return {
        colour: blocColour(o.bloc),
        opacity: o.decided ? 1 : 0.18 + 0.82 * Math.max(0, Math.min(1, (o.p_win - 0.5) * 2)),
        title: `${where(w)}: ${o.surname} (${o.nuance}) ` +
          (o.decided ? "already elected or unopposed" : `wins in ${fmt.pct(o.p_win, 0)} of simulations`),
      };
    });
    mapLegend(countBy([...odds.values()].map((o) => o.bloc)));
    $("#map-legend-note").textContent = "Colour: the most likely winner's bloc (count: constituencies led). " +
      "Fainter: a closer race, the leader wins in fewer simulations.";
  } else {
    paintTiles(state.tiles, (code) => {
      const w = winners.get(code);
      if (!w.bloc) return { colour: "#e4e4e4", title: `${where(w)}: no winner in the data` };
      return { colour: blocColour(w.bloc), title: `${where(w)}: ${w.first_name} ${w.surname} (${w.nuance}), round ${w.round}` };
    });
    mapLegend(countBy(state.results.winners.map((w) => w.bloc).filter(Boolean)));
    $("#map-legend-note").textContent = mode === "projection" ?
      "Run a projection to colour the map by its most likely winners." : "Colour: the bloc of the winner. " +
      "Click a constituency for its candidates.";
  }
  if (state.code && state.tiles.has(state.code)) highlight(state.code);
}

function countBy(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function mapLegend(counts) {
  $("#map-legend").replaceChildren(...state.meta.seating.filter((b) => counts[b]).map((b) =>
    h("li", {}, swatch(blocColour(b)), `${blocLabel(b)} ${counts[b]}`)));
}

function highlight(code) {
  for (const t of document.querySelectorAll("#map .selected")) t.classList.remove("selected");
  for (const t of state.tiles?.get(code) ?? []) t.classList.add("selected");
}

async function showConstituency(code) {
  const host = $("#detail");
  state.code = code;
  $("#code").value = code;
  highlight(code);
  const url = new URL(location.href);
  url.searchParams.set("code", code);
  history.replaceState(null, "", url);
  const c = await load(host, host, `/api/elections/${state.year}/constituencies/${encodeURIComponent(code)}`);
  if (!c) return;
  const statusText = (k) => k.withdrawn ? "withdrew" : k.status;
  const t1 = c.totals.find((t) => t.round === 1);
  const t2 = c.totals.find((t) => t.round === 2);
  const row1 = (k) => {
    const fill = h("span", { class: "bar-fill" });
    fill.style.width = `${100 * k.share}%`;
    fill.style.background = blocColour(k.bloc);
    return h("tr", { class: k.status === "eliminated" ? "out" : "" },
      h("th", { scope: "row" }, `${k.first_name} ${k.surname}`, k.incumbent ? h("span", { class: "tag" }, "incumbent") : ""),
      h("td", {}, swatch(blocColour(k.bloc)), k.nuance),
      h("td", { class: "num" }, fmt.int(k.votes)),
      h("td", { class: "num share" }, fmt.pct(k.share), h("span", { class: "bar-track", "aria-hidden": "true" }, fill)),
      h("td", {}, h("span", { class: `status ${k.withdrawn ? "withdrawn" : k.status}`,
        title: k.withdrawn ? "qualified for round 2, withdrew" : null }, statusText(k))));
  };
  const row2 = (k) => h("tr", { class: k.elected ? "won" : "" },
    h("th", { scope: "row" }, `${k.first_name} ${k.surname}`),
    h("td", {}, swatch(blocColour(k.bloc)), k.nuance),
    h("td", { class: "num" }, fmt.int(k.votes)),
    h("td", { class: "num" }, fmt.pct(k.share)),
    h("td", {}, k.elected ? h("span", { class: "status elected" }, "elected") : ""));
  const head = (...cols) => h("thead", {}, h("tr", {}, ...cols.map((x, i) => h("th", { scope: "col", class: i >= 2 && i <= 3 ? "num" : "" }, x))));
  const w = c.winner;
  host.replaceChildren(
    h("h3", {}, `${c.department_name}, ${c.name} `, h("span", { class: "code" }, c.constituency)),
    w ? h("p", { class: "winner" }, swatch(blocColour(w.bloc)),
      h("strong", {}, `${w.first_name} ${w.surname}`), ` (${w.nuance}, ${blocLabel(w.bloc)}) elected in round ${w.round} with ${fmt.int(w.votes)} votes.`)
      : h("p", { class: "winner muted" }, c.runoff ? "Went to a runoff: round 2 is not in the data." : "No winner in the data."),
    h("p", { class: "muted" }, `Round 1: ${fmt.pct(t1.turnout)} turnout, ${fmt.int(t1.expressed)} votes expressed` +
      (t2 ? `; round 2: ${fmt.pct(t2.turnout)} turnout, ${fmt.int(t2.expressed)} expressed.` : ".")),
    h("table", { class: "cands" }, h("caption", {}, "Round 1"), head("Candidate", "Nuance", "Votes", "Share", "Status"),
      h("tbody", {}, c.round1.map(row1))),
    c.round2.length ? h("table", { class: "cands" }, h("caption", {}, "Round 2"),
      head("Candidate", "Nuance", "Votes", "Share", ""), h("tbody", {}, c.round2.map(row2))) : "",
    c.unresolved_tie ? h("p", { class: "error" }, "Round 2 ended in a tie that the data cannot resolve (no birth dates).") : "");
}

// ----- projection playground ------------------------------------------------------------------

function buildPlayground() {
  const box = $("#overrides");
  for (const o of OVERRIDES) {
    const on = h("input", { type: "checkbox", id: `ov-${o.id}-on`, "aria-controls": `ov-${o.id}` });
    const range = h("input", { type: "range", id: `ov-${o.id}`, min: 0, max: 100, step: 5, value: o.value,
      disabled: true, "aria-describedby": `ov-${o.id}-hint` });
    const out = h("output", { for: `ov-${o.id}`, id: `ov-${o.id}-out` }, `${o.value}%`);
    on.addEventListener("change", () => {
      range.disabled = !on.checked;
      schedule();
    });
    range.addEventListener("input", () => {
      out.textContent = `${range.value}%`;
    });
    range.addEventListener("change", schedule);
    box.append(h("div", { class: "override" },
      h("div", { class: "override-head" }, on, h("label", { for: `ov-${o.id}-on` }, o.label)),
      h("div", { class: "override-body" }, h("label", { for: `ov-${o.id}`, class: "visually-hidden" }, `${o.label}: share`), range, out),
      h("p", { class: "hint", id: `ov-${o.id}-hint` }, o.hint)));
  }
  for (const id of ["#train", "#withdrawals"]) $(id).addEventListener("change", schedule);
  $("#proj-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    runProjection();
  });
  $("#sims").max = String(state.meta.max_sims);
}

function resetPlayground() {
  const year = state.year;
  const info = state.meta.elections.find((e) => e.year === year);
  const trains = state.meta.train_years;
  const earlier = trains.filter((t) => t < year);
  const def = earlier.length ? earlier[earlier.length - 1] : trains[0];
  $("#train").replaceChildren(...trains.map((t) => h("option", { value: t, selected: t === def },
    `${t}${t >= year ? " (not earlier: what-if only)" : ""}`)));
  const hasRound2 = info.rounds.includes(2);
  const wd = $("#withdrawals");
  wd.querySelector('option[value="data"]').disabled = !hasRound2;
  wd.value = hasRound2 ? "data" : "none";
  $("#proj-target").textContent = String(year);
}

let timer = null;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(runProjection, 250);
}

function projectionBody() {
  const body = {
    year: state.year,
    train: Number($("#train").value),
    sims: Number($("#sims").value) || 5000,
    withdrawals: $("#withdrawals").value || null,
    overrides: [],
  };
  const seed = $("#seed").value.trim();
  body.seed = seed === "" ? null : Number(seed);
  for (const o of OVERRIDES) {
    if ($(`#ov-${o.id}-on`).checked) {
      body.overrides.push({ from: o.from, to: o.to, rate: Number($(`#ov-${o.id}`).value) / 100 });
    }
  }
  return body;
}

async function runProjection() {
  if (!state.results) return;
  const seq = ++state.projSeq;
  state.projAbort?.abort();
  const abort = new AbortController();
  state.projAbort = abort;
  const body = projectionBody();
  const status = $("#proj-status");
  const section = $("#projection");
  busy(section, true);
  status.className = "status-line";
  status.textContent = `Simulating ${fmt.int(body.sims)} elections… (the first run with a new training election learns the transfers: about a minute)`;
  let p;
  try {
    p = await getJSON("/api/project", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: abort.signal,
    });
  } catch (err) {
    if (err.name === "AbortError" || seq !== state.projSeq) return;
    busy(section, false);
    status.className = "status-line error";
    status.setAttribute("role", "alert");
    status.textContent = err.message;
    return;
  }
  if (seq !== state.projSeq) return;
  busy(section, false);
  state.projection = p;
  status.removeAttribute("role");
  status.className = "status-line";
  status.textContent = `${fmt.int(p.sims)} simulated elections in ${p.elapsed_s.toFixed(1)} s · seed ${p.seed} · lineup: ${p.lineup}`;
  renderProjection();
  if ($("#map-mode").value === "projection") paintMap();
}

function renderProjection() {
  const p = state.projection;
  const r = state.results;
  const actual = r.rounds.includes(2) && p.year === r.year ?
    Object.fromEntries(r.seats_by_bloc.map((b) => [b.bloc, b.seats])) : null;
  const rows = p.blocs
    .filter((b) => b.hi > 0 || b.mean > 0 || (actual && actual[b.group] > 0))
    .map((b) => ({ ...b, label: blocLabel(b.group), colour: blocColour(b.group), actual: actual ? actual[b.group] ?? 0 : null }));
  intervals($("#intervals"), rows, {
    majority: state.meta.majority,
    caption: `Projected seats by bloc, ${p.year}, transfers learnt from ${p.train}: mean and 90% interval`,
  });
  $("#actual-note").hidden = !actual;
  $("#p-major").textContent = fmt.pct(p.p_any_majority);
  $("#proj-rows").replaceChildren(...rows.map((b) => h("tr", { "data-bloc": b.group },
    h("th", { scope: "row" }, swatch(b.colour), b.label),
    h("td", { class: "num mean" }, b.mean.toFixed(1)),
    h("td", { class: "num" }, fmt.seats(b.median)),
    h("td", { class: "num" }, `${fmt.seats(b.lo)}–${fmt.seats(b.hi)}`),
    h("td", { class: "num" }, fmt.pct(b.p_majority)),
    actual ? h("td", { class: "num" }, String(b.actual)) : "")));
  $("#proj-actual-col").hidden = !actual;
  $("#closest").replaceChildren(...p.closest.slice(0, 12).map((c) => h("li", {},
    h("button", { type: "button", class: "link", onclick: () => showConstituency(c.constituency) }, c.constituency),
    ` ${c.leader} ${fmt.pct(c.p_win, 0)} vs ${c.runner_up}`)));
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
  const table = h("table", { class: "systems" },
    h("caption", { class: "visually-hidden" }, `Seats of ${year} under each system`),
    h("thead", {}, h("tr", {}, ...["System", "Assembly", "Largest group", "Gallagher", "Parties (seats)"].map((x, i) =>
      h("th", { scope: "col", class: i >= 3 ? "num" : "" }, x)))),
    h("tbody", {}, cmp.systems.map((s) => h("tr", { "data-system": s.system },
      h("th", { scope: "row" }, h("span", { class: "sys-name" }, s.system.replaceAll("_", " ")),
        h("span", { class: "sys-title" }, s.title), ...s.notes.map((n) => h("span", { class: "sys-note" }, n))),
      h("td", { class: "bar-col" }, seatBar(sortParts(s.seats).map((g) => ({ label: groupLabel(unit, g.group), colour: g.colour, seats: g.seats })),
        { total: s.house_size, majority: Math.floor(s.house_size / 2) + 1,
          caption: `${s.system}: ` + s.seats.map((g) => `${groupLabel(unit, g.group)} ${g.seats}`).join(", ") })),
      h("td", {}, `${groupLabel(unit, s.largest)} ${s.seats[0]?.seats ?? ""}`,
        h("span", { class: s.majority ? "tag ok" : "tag" }, s.majority ? "majority" : "no majority")),
      h("td", { class: "num" }, s.indices.gallagher === null ? "–" : s.indices.gallagher.toFixed(1)),
      h("td", { class: "num" }, s.indices.enp_seats === null ? "–" : s.indices.enp_seats.toFixed(2))))));
  const legendGroups = new Map();
  for (const s of cmp.systems) for (const g of s.seats) legendGroups.set(g.group, g.colour);
  const legend = h("ul", { class: "legend inline" }, [...legendGroups].slice(0, 24).map(([g, c]) =>
    h("li", {}, swatch(c), groupLabel(unit, g))));
  host.replaceChildren(legend, table,
    h("p", { class: "muted" }, "Gallagher: disproportionality between votes and seats (least-squares index, in points). " +
      "Parties: effective number of parties by seats. The line on each bar marks an absolute majority."));
  const names = cmp.systems.map((s) => s.system);
  if (names.join() !== state.systems.join()) {
    state.systems = names;
    const sel = $("#coal-system");
    const keep = sel.value || "actual";
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
  const table = g.coalitions.length ? h("table", { class: "coal" },
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
  host.replaceChildren(
    h("div", { class: "grid two" },
      h("div", {}, table),
      h("div", {}, power("Banzhaf", g.banzhaf), power("Shapley–Shubik", g.shapley),
        h("p", { class: "muted" }, "Voting power: how often a group turns a losing coalition into a winning one. " +
          "Seats are not power: a group whose seats never make the difference has none."))));
}

start();
