// Downloads: every chart as SVG and PNG, every table as CSV. Runs in the page (no server round
// trip) and within its CSP: the PNG is drawn from a data: URL (img-src allows data:), the files are
// handed over as blob: links.

import { h } from "./charts.js";

/** The rules of style.css a chart needs outside the page (an exported file has no stylesheet). */
const CHART_CSS = `
svg { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.hemi-total { font-size: 34px; font-weight: 700; fill: #1f2328; }
.hemi-sub, .axis { font-size: 11px; fill: #5b6470; }
.grid { stroke: #e6e8eb; }
.majority { stroke: #222; stroke-dasharray: 4 3; stroke-width: 1.2; fill: none; }
.majority-label { fill: #222; }
.row-label { font-size: 13px; fill: #1f2328; }
.row-value { font-size: 12px; fill: #5b6470; }
.median { stroke: #222; stroke-width: 2.2; }
.actual { fill: #fff; stroke: #222; stroke-width: 1.4; }
.dept-label { font-size: 8.5px; fill: #7a828c; }
.tile { stroke: #fff; stroke-width: 0.6; }
`;

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A standalone SVG document of the chart `root` (its size, its styles, its title). */
export function svgText(root) {
  const copy = root.cloneNode(true);
  const box = root.viewBox?.baseVal;
  const width = box && box.width ? box.width : root.getBoundingClientRect().width;
  const height = box && box.height ? box.height : root.getBoundingClientRect().height;
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(Math.round(width)));
  copy.setAttribute("height", String(Math.round(height)));
  const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
  style.textContent = CHART_CSS;
  copy.prepend(style);
  for (const el of copy.querySelectorAll(".selected")) el.classList.remove("selected");
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

export function downloadSVG(root, name) {
  save(new Blob([svgText(root).text], { type: "image/svg+xml" }), `${name}.svg`);
}

/** The chart as a PNG at twice its drawn size, on a white background. */
export function pngBlob(root, scale = 2) {
  const { text, width, height } = svgText(root);
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      const canvas = h("canvas", { width: Math.round(width * scale), height: Math.round(height * scale) });
      const ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the PNG could not be drawn"))), "image/png");
    };
    img.onerror = () => reject(new Error("the chart could not be drawn as an image"));
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  });
}

export async function downloadPNG(root, name) {
  save(await pngBlob(root), `${name}.png`);
}

// A text cell a spreadsheet would run as a formula (= + - @ tab CR first; OWASP's CSV injection)
// gets a leading ' (as the server's CSVs); numbers, "-5" or "-0.25" included, stay numbers.
const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
export const safeCell = (v) => {
  const s = String(v ?? "");
  return typeof v !== "number" && FORMULA.test(s) && !NUMBER.test(s) ? `'${s}` : s;
};
const cell = (v) => {
  const s = safeCell(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** CSV text of rows (arrays) under a header. */
export function csvText(header, rows) {
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

export function downloadCSV(header, rows, name) {
  save(new Blob([csvText(header, rows)], { type: "text/csv;charset=utf-8" }), `${name}.csv`);
}

/** CSV of an HTML table as displayed (header row and body rows; hidden cells left out). */
export function tableRows(table) {
  const text = (c) => (c.dataset.value ?? c.innerText).replace(/\s+/g, " ").trim();
  const visible = (c) => !c.hidden && !c.classList.contains("bar-cell");
  const header = [...table.querySelectorAll("thead th")].filter(visible).map(text);
  const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.children].filter(visible).map(text));
  return { header, rows };
}

/** Buttons "SVG" "PNG" for the chart found by `find()` (it may be redrawn between clicks). */
export function chartButtons(find, name, what) {
  const svgBtn = h("button", { type: "button", class: "dl", "data-export": "svg", "aria-label": `Download ${what} as SVG` }, "SVG");
  const pngBtn = h("button", { type: "button", class: "dl", "data-export": "png", "aria-label": `Download ${what} as PNG` }, "PNG");
  svgBtn.addEventListener("click", () => {
    const root = find();
    if (root) downloadSVG(root, name());
  });
  pngBtn.addEventListener("click", () => {
    const root = find();
    if (root) downloadPNG(root, name()).catch(() => {});
  });
  return h("span", { class: "downloads" }, svgBtn, pngBtn);
}

/** A "CSV" button for the table found by `find()`. */
export function tableButton(find, name, what) {
  const btn = h("button", { type: "button", class: "dl", "data-export": "csv", "aria-label": `Download ${what} as CSV` }, "CSV");
  btn.addEventListener("click", () => {
    const t = find();
    if (!t) return;
    const { header, rows } = tableRows(t);
    downloadCSV(header, rows, name());
  });
  return btn;
}
