// The dashboard: polls this node's JSON API (docs/api.md) and draws it. Plain DOM, no library.
// Text from the API (peer endpoints, host names) is untrusted and only ever set as textContent.
"use strict";

const POLL_MS = 2000;
const SVG = "http://www.w3.org/2000/svg";
const projectMatch = location.pathname.match(/^\/project\/([0-9a-f]{64})$/);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function getJson(path) {
  const response = await fetch(path, {cache: "no-store"});
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.status + " " + response.statusText);
  return body;
}

const short = (hex) => hex.slice(0, 12);
const number = (x, digits = 0) =>
  x === null || x === undefined ? "–" : Number(x).toLocaleString("en", {maximumFractionDigits: digits});

function duration(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
  return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
}

// The ETA, or "done" once nothing is left.
const eta = (status, seconds) => (stateOf(status) === "running" ? duration(seconds) : "done");

function stateOf(status) {
  const u = status.units;
  if (status.cancelled) return "cancelled";
  return u.verified + u.failed === u.total ? "complete" : "running";
}

function progressBar(units, wide) {
  const bar = el("div", {class: wide ? "bar wide" : "bar", title:
    `${units.verified} verified, ${units.in_flight} in flight, ${units.failed} failed of ${units.total}`});
  for (const part of ["verified", "in_flight", "failed"]) {
    const span = el("span", {class: part});
    span.style.width = (units.total ? (100 * units[part]) / units.total : 0) + "%";
    bar.append(span);
  }
  return bar;
}

function card(value, label) {
  return el("div", {class: "card"}, el("div", {class: "value"}, value), el("div", {class: "label"}, label));
}

// A table; a header ending in "#" is a column of numbers.
function table(headers, rows, cls) {
  const head = el("tr", {}, headers.map((h) => el("th", {class: h.endsWith("#") ? "num" : ""}, h.replace(/#$/, ""))));
  return el("table", cls ? {class: cls} : {}, el("thead", {}, head), el("tbody", {}, rows));
}

const cell = (content, cls) => el("td", cls ? {class: cls} : {}, content);

// Replaces what `parent` shows with `parts`: nodes, or (nested) lists of them, or null.
function show(parent, parts) {
  parent.replaceChildren(...[parts].flat(Infinity).filter((part) => part !== null && part !== undefined));
}

// A bar chart of units verified in each minute, oldest on the left.
function rateChart(minutes) {
  const width = 620, height = 180, left = 40, bottom = 24, top = 22;
  const chart = svg("svg", {class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img"});
  chart.append(svg("text", {x: left, y: 15, class: "title"}, "Verified units per minute"));
  const slots = 60;
  const shown = minutes.slice(-slots);
  const peak = Math.max(1, ...shown.map((m) => m.count));
  const plotHeight = height - top - bottom, step = (width - left - 10) / slots;
  chart.append(svg("line", {x1: left, y1: height - bottom, x2: width - 10, y2: height - bottom, class: "axis"}));
  chart.append(svg("text", {x: left - 6, y: top + 8, "text-anchor": "end"}, peak));
  chart.append(svg("text", {x: left - 6, y: height - bottom, "text-anchor": "end"}, 0));
  shown.forEach((m, i) => {
    const h = (plotHeight * m.count) / peak;
    const x = left + (slots - shown.length + i) * step;
    const bar = svg("rect", {x: x + 1, y: height - bottom - h, width: Math.max(1, step - 2), height: h, class: "column"});
    bar.append(svg("title", {}, `${new Date(m.minute_unix_ms).toLocaleTimeString()}: ${m.count}`));
    chart.append(bar);
  });
  chart.append(svg("text", {x: left, y: height - 6}, "60 min ago"));
  chart.append(svg("text", {x: width - 10, y: height - 6, "text-anchor": "end"}, "now"));
  return chart;
}

// A line through `means` over `xs`, with error bars of one standard error where known.
function seriesChart(title, xs, means, errors) {
  const width = 292, height = 210, left = 52, bottom = 30, top = 24, right = 12;
  const chart = svg("svg", {class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img"});
  chart.append(svg("text", {x: left, y: 16, class: "title"}, title));
  const lows = means.map((m, i) => m - (errors && errors[i] ? errors[i] : 0));
  const highs = means.map((m, i) => m + (errors && errors[i] ? errors[i] : 0));
  let lo = Math.min(...lows), hi = Math.max(...highs);
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const x0 = xs[0], x1 = xs[xs.length - 1] > x0 ? xs[xs.length - 1] : x0 + 1;
  const px = (x) => left + ((x - x0) / (x1 - x0)) * (width - left - right);
  const py = (y) => height - bottom - ((y - lo) / (hi - lo)) * (height - top - bottom);
  chart.append(svg("line", {x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, class: "axis"}));
  chart.append(svg("line", {x1: left, y1: top, x2: left, y2: height - bottom, class: "axis"}));
  chart.append(svg("text", {x: left - 4, y: top + 4, "text-anchor": "end"}, hi.toPrecision(4)));
  chart.append(svg("text", {x: left - 4, y: height - bottom, "text-anchor": "end"}, lo.toPrecision(4)));
  chart.append(svg("text", {x: left, y: height - 10}, "step " + x0));
  chart.append(svg("text", {x: width - right, y: height - 10, "text-anchor": "end"}, "step " + xs[xs.length - 1]));
  means.forEach((m, i) => {
    if (errors && errors[i]) {
      chart.append(svg("line", {x1: px(xs[i]), x2: px(xs[i]), y1: py(lows[i]), y2: py(highs[i]), class: "error"}));
    }
  });
  const points = means.map((m, i) => `${px(xs[i]).toFixed(1)},${py(m).toFixed(1)}`).join(" ");
  chart.append(svg("polyline", {points, class: "line"}));
  if (means.length <= 60) means.forEach((m, i) => chart.append(svg("circle", {cx: px(xs[i]), cy: py(m), r: 2, class: "dot"})));
  return chart;
}

function projectsSection(list) {
  const rows = list.projects.map(({status, eta_seconds, disputed}) => {
    const u = status.units;
    return el("tr", {},
      cell(el("a", {href: "/project/" + status.project, class: "mono", title: status.project}, short(status.project))),
      cell(`${status.workload} v${status.workload_version}`),
      cell(el("span", {class: "tag " + stateOf(status)}, stateOf(status))),
      cell(progressBar(u)),
      cell(`${number(u.verified)} / ${number(u.total)}`, "num"),
      cell(number(u.in_flight), "num"), cell(number(u.failed), "num"), cell(number(disputed), "num"),
      cell(number(status.verified_per_second, 2), "num"), cell(eta(status, eta_seconds), "num"),
      cell(number(status.workers), "num"));
  });
  const more = list.more ? el("p", {class: "muted"}, `and ${list.more} older projects not listed`) : null;
  return [el("h2", {}, "Projects"),
    rows.length ? table(["project", "workload", "state", "progress", "verified#", "in flight#", "failed#",
      "disputed#", "units/s#", "ETA#", "workers#"], rows) : el("p", {class: "muted"}, "No projects held here yet."),
    more];
}

function troublesTable(kind, troubles) {
  if (!troubles.count) return el("p", {class: "muted"}, `No ${kind} units.`);
  const rows = troubles.units.map((u) => el("tr", {},
    cell(u.unit, "num"), cell(el("span", {class: "tag " + u.state}, u.state)),
    cell(u.results, "num"), cell(u.distinct_results, "num")));
  const more = troubles.count > troubles.units.length ? `; the first ${troubles.units.length} listed` : "";
  return [el("p", {}, `${troubles.count} ${kind} units${more}.`),
    table(["unit#", "state", "results#", "different results#"], rows, "narrow")];
}

async function troublesSection(list) {
  const troubled = list.projects.filter((p) => p.status.units.failed > 0 || p.disputed > 0).slice(0, 5);
  const parts = [el("h2", {}, "Failed and disputed units")];
  if (!troubled.length) parts.push(el("p", {class: "muted"}, "None: every result so far agreed."));
  for (const p of troubled) {
    const detail = await getJson("/api/projects/" + p.status.project);
    parts.push(el("h3", {class: "mono"}, short(p.status.project)),
      troublesTable("failed", detail.failed_units), troublesTable("disputed", detail.disputed_units));
  }
  return parts;
}

function peersSection(peers, reputation) {
  const records = new Map(reputation.peers.map((r) => [r.peer, r]));
  const rows = peers.peers.map((o, i) => {
    const r = records.get(o.peer);
    const score = r ? [cell(number(r.agreed), "num"), cell(number(r.disagreed), "num"),
      cell(r.ignored ? el("span", {class: "tag ignored"}, "ignored") : "")]
      : [cell("–", "num"), cell("–", "num"), cell("")];
    return el("tr", {},
      cell(el("span", {class: "mono", title: o.peer}, short(o.peer) + (i === 0 ? " (this node)" : ""))),
      cell(o.host), cell(o.endpoint.split("#")[0], "mono"), cell(number(o.cores), "num"),
      cell(number(o.speed, 1), "num"), cell(number(o.free_slots), "num"), cell(number(o.leases), "num"),
      cell(o.workloads.map((w) => `${w.name} v${w.version}`).join(", ")), ...score);
  });
  const more = peers.more ? el("p", {class: "muted"}, `and ${peers.more} more peers not listed`) : null;
  return [el("h2", {}, "Peers"), table(["peer", "host", "endpoint", "cores#", "speed#", "free slots#", "leases#",
    "workloads", "agreed#", "disagreed#", ""], rows), more];
}

async function renderGrid(main) {
  const [grid, list, peers] = await Promise.all([getJson("/api/grid"), getJson("/api/projects"), getJson("/api/peers")]);
  document.getElementById("node").textContent = `${grid.node.program} ${short(grid.node.peer)} · v${grid.node.version}`;
  const u = grid.units;
  const cards = el("div", {class: "cards"},
    card(number(grid.projects.held), "projects held"),
    card(`${number(u.verified)} / ${number(u.total)}`, "units verified"),
    card(number(u.in_flight), "units in flight"), card(number(u.failed), "units failed"),
    card(number(grid.verified_per_second, 2), "units verified per second"),
    card(number(grid.peers), "peers"));
  const legend = el("div", {class: "legend"}, ["verified", "in_flight", "failed"].map((k) => {
    const swatch = el("i");
    swatch.style.background = `var(--${k === "in_flight" ? "flight" : k})`;
    return el("span", {}, swatch, k.replace("_", " "));
  }));
  show(main, [cards, el("h2", {}, "Throughput"), rateChart(grid.verified_per_minute),
    projectsSection(list), legend, await troublesSection(list), peersSection(peers, grid.reputation)]);
}

function resultSection(result) {
  const parts = [el("h2", {}, "Aggregated result"), el("p", {}, (result.complete ? "" : "Partial result: ") + result.summary)];
  const r = result.result || {};
  if (r.series && r.series.step && r.series.step.length) {
    const labels = {temperature: "Temperature", potential_energy: "Potential energy per atom",
      total_energy: "Total energy per atom", pressure: "Pressure"};
    const charts = el("div", {class: "charts"});
    for (const [key, label] of Object.entries(labels)) {
      const q = r.series[key];
      if (q) charts.append(seriesChart(label, r.series.step, q.mean, q.stderr));
    }
    parts.push(el("p", {class: "muted"}, `Over the steps: the mean of ${r.trajectories} trajectories, ` +
      "with error bars of one standard error where there are two or more."), charts);
  }
  parts.push(el("details", {}, el("summary", {}, "Result as JSON"), el("pre", {}, JSON.stringify(r, null, 1))));
  return parts;
}

async function renderProject(main, id) {
  const detail = await getJson("/api/projects/" + id);
  const status = detail.status, u = status.units;
  document.title = `potluck ${short(id)}`;
  const parts = [
    el("p", {}, el("a", {href: "/"}, "← all projects")),
    el("h2", {}, "Project ", el("span", {class: "mono"}, id)),
    el("p", {}, `${status.workload} v${status.workload_version} · `, el("span", {class: "tag " + stateOf(status)}, stateOf(status)),
      ` · submitted ${new Date(status.submitted_unix_ms).toLocaleString()}`),
    progressBar(u, true),
    el("div", {class: "cards"}, card(`${number(u.verified)} / ${number(u.total)}`, "units verified"),
      card(number(u.in_flight), "in flight"), card(number(u.waiting), "waiting"), card(number(u.failed), "failed"),
      card(number(status.verified_per_second, 2), "units verified per second"), card(eta(status, detail.eta_seconds), "ETA"),
      card(number(status.workers), "workers")),
  ];
  // The result first: it is what a scientist came for.
  try {
    parts.push(resultSection(await getJson(`/api/projects/${id}/result`)));
  } catch (e) {
    parts.push(el("h2", {}, "Aggregated result"), el("p", {class: "muted"}, e.message));
  }
  parts.push(
    el("h2", {}, "Failed units"), troublesTable("failed", detail.failed_units),
    el("h2", {}, "Disputed units"), troublesTable("disputed", detail.disputed_units),
    el("h2", {}, "Peers that computed its units"),
    table(["peer", "agreed#", "disagreed#", ""], status.peers.map((p) => el("tr", {},
      cell(el("span", {class: "mono", title: p.peer}, short(p.peer))), cell(number(p.agreed), "num"),
      cell(number(p.disagreed), "num"), cell(p.ignored ? el("span", {class: "tag ignored"}, "ignored") : ""))), "narrow"));
  show(main, parts);
}

async function refresh() {
  const main = document.getElementById("main");
  try {
    if (projectMatch) await renderProject(main, projectMatch[1]);
    else await renderGrid(main);
    document.getElementById("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    document.getElementById("updated").textContent = "no answer from the node: " + e.message;
    if (main.textContent.startsWith("Loading")) show(main, el("p", {class: "error-box"}, e.message));
  }
  setTimeout(refresh, POLL_MS);
}

refresh();
