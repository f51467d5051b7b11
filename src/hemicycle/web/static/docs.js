// A small reader of this server's OpenAPI schema: operations, parameters, bodies and responses.

import { h } from "./charts.js";

const schema = await (await fetch("/openapi.json")).json();
const refName = (ref) => ref.split("/").pop();
const resolve = (s) => (s && s.$ref ? schema.components.schemas[refName(s.$ref)] : s);

function typeOf(s) {
  if (!s) return "";
  if (s.$ref) return refName(s.$ref);
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.type === "array") return `${typeOf(s.items)}[]`;
  if (s.type === "object" && s.additionalProperties) return `{string: ${typeOf(s.additionalProperties)}}`;
  const bounds = [];
  if (s.minimum !== undefined) bounds.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined) bounds.push(`≤ ${s.maximum}`);
  if (s.pattern) bounds.push(`/${s.pattern}/`);
  return `${s.type ?? "any"}${bounds.length ? ` (${bounds.join(", ")})` : ""}`;
}

function model(name, seen = new Set()) {
  const s = schema.components.schemas[name];
  if (!s || seen.has(name)) return h("p", {}, name);
  seen.add(name);
  const rows = Object.entries(s.properties ?? {}).map(([k, p]) => h("tr", {},
    h("th", { scope: "row" }, h("code", {}, k), (s.required ?? []).includes(k) ? " *" : ""),
    h("td", {}, h("code", {}, typeOf(p))), h("td", {}, p.description ?? resolve(p)?.description ?? "")));
  return h("details", { class: "model" }, h("summary", {}, h("code", {}, name), s.description ? ` — ${s.description.split("\n")[0]}` : ""),
    h("table", {}, h("tbody", {}, rows)));
}

document.querySelector("#intro").textContent = schema.info.description ?? "";
const ops = document.querySelector("#ops");
const toc = document.querySelector("#toc");
for (const [path, item] of Object.entries(schema.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const id = `${method}-${path}`.replace(/[^a-z0-9]+/gi, "-");
    toc.append(h("a", { href: `#${id}` }, `${method.toUpperCase()} ${path}`));
    const params = (op.parameters ?? []).map((p) => h("tr", {},
      h("th", { scope: "row" }, h("code", {}, p.name), p.required ? " *" : ""), h("td", {}, p.in),
      h("td", {}, h("code", {}, typeOf(p.schema))), h("td", {}, p.description ?? p.schema?.description ?? "")));
    const body = op.requestBody?.content?.["application/json"]?.schema;
    const responses = Object.entries(op.responses ?? {}).map(([code, r]) => {
      const s = r.content?.["application/json"]?.schema;
      return h("li", {}, h("strong", {}, code), ` ${r.description ?? ""} `, s ? h("code", {}, typeOf(s)) : "");
    });
    const refs = new Set();
    JSON.stringify(op, (k, v) => { if (k === "$ref") refs.add(refName(v)); return v; });
    ops.append(h("section", { class: "card op", id },
      h("h2", {}, h("span", { class: `method ${method}` }, method.toUpperCase()), " ", h("code", {}, path)),
      h("p", {}, op.summary ?? ""), op.description ? h("p", { class: "muted" }, op.description) : "",
      params.length ? h("table", {}, h("caption", {}, "Parameters"), h("tbody", {}, params)) : "",
      body ? h("p", {}, "JSON body: ", h("code", {}, typeOf(body))) : "",
      h("h3", {}, "Responses"), h("ul", {}, responses),
      h("div", { class: "models" }, [...refs].map((r) => model(r)))));
  }
}
