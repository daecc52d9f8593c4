/* Crossings monitor map: the live layers, filters, legend, totals and global-pattern panel.
 *
 * The page (maps/monitor.py) holds a folium map and a JSON config (#cx-config). This script
 * asks the analyst API for the hexagons, clusters, incidents, totals and the global pattern
 * with the page's filters and draws them; a filter change redraws without a reload and is
 * mirrored in the URL (/map?datetime=...&category=...), so links can be shared and the back
 * button works. Text from the data is only ever set with textContent or as attribute values
 * (setAttribute), never parsed as HTML.
 *
 * For tests and embedding pages: document.body.dataset.state is "loading" while a redraw runs
 * and "ready" (or "error") after it; window.crossings holds the last heatmap response and its
 * URL, the totals, the number of redraws done, and `ready`, a promise of the current redraw.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("cx-config").textContent);
  const map = window[config.map];
  const groups = {
    hexagons: window[config.layers.hexagons],
    clusters: window[config.layers.clusters],
    incidents: window[config.layers.incidents],
  };
  const palette = config.palette;
  const theme = palette.themes[config.theme];
  const api = config.api;
  const numbers = new Intl.NumberFormat("en");
  const body = document.body;
  const $ = (id) => document.getElementById(id);

  const crossings = {
    state: null,
    heatmap: null,
    heatmapUrl: null,
    basemapUrl: null,
    totals: null,
    pattern: null,
    incidents: null,
    redraws: 0,
    ready: Promise.resolve(),
  };
  window.crossings = crossings;

  /* State ------------------------------------------------------------------------------- */

  function emptyState() {
    return { start: "", end: "", category: [], source: [], res: null };
  }

  function copyState(s) {
    return {
      start: s.start || "",
      end: s.end || "",
      category: (s.category || []).slice(),
      source: (s.source || []).slice(),
      res: s.res === null || s.res === undefined || s.res === "" ? null : Number(s.res),
    };
  }

  let state = copyState(config.state);
  crossings.state = state;

  function datetimeOf(s) {
    if (s.start && s.end) return s.start + "/" + s.end;
    if (s.start) return s.start + "/..";
    if (s.end) return "../" + s.end;
    return null;
  }

  /** The filters every API request carries. */
  function filterParams(s) {
    const params = new URLSearchParams();
    const datetime = datetimeOf(s);
    if (datetime) params.set("datetime", datetime);
    if (s.category.length) params.set("category", s.category.join(","));
    if (s.source.length) params.set("source", s.source.join(","));
    return params;
  }

  /** The page's own URL for a state: the filters and a pinned resolution. */
  function pageUrl(s) {
    const params = filterParams(s);
    if (s.res !== null) params.set("res", String(s.res));
    const query = params.toString();
    return api.map + (query ? "?" + query : "") + location.hash;
  }

  /** A state from a URL this script wrote (popstate); anything odd is left out. */
  function stateFromQuery(search) {
    const params = new URLSearchParams(search);
    const s = emptyState();
    const datetime = params.get("datetime");
    if (datetime && datetime.includes("/")) {
      const [a, b] = datetime.split("/");
      s.start = /^\d{4}-\d{2}-\d{2}$/.test(a) ? a : "";
      s.end = /^\d{4}-\d{2}-\d{2}$/.test(b) ? b : "";
    } else if (datetime && /^\d{4}-\d{2}-\d{2}$/.test(datetime)) {
      s.start = s.end = datetime;
    }
    const known = config.categories.map((c) => c.id);
    s.category = (params.get("category") || "").split(",").filter((c) => known.includes(c));
    s.source = (params.get("source") || "").split(",").filter(Boolean);
    const res = params.get("res");
    s.res = res !== null && /^\d$/.test(res) ? Number(res) : null;
    return s;
  }

  /* Requests ---------------------------------------------------------------------------- */

  class ApiError extends Error {}

  function withQuery(path, params) {
    const query = params.toString();
    return query ? path + "?" + query : path;
  }

  async function getJSON(url, signal) {
    const response = await fetch(url, {
      signal,
      headers: { Accept: "application/geo+json, application/json" },
    });
    if (!response.ok) {
      let detail = response.status + " " + response.statusText;
      try {
        const problem = await response.json();
        if (problem && problem.detail) detail = problem.detail;
      } catch (_) {
        /* not a problem document */
      }
      throw new ApiError(detail);
    }
    return response.json();
  }

  function isAbort(error) {
    return error && error.name === "AbortError";
  }

  /* Small DOM helpers (textContent only) ----------------------------------------------- */

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmt(n) {
    return n === null || n === undefined ? "unknown" : numbers.format(Math.round(n));
  }

  function definitionList(rows) {
    const dl = el("dl", "cx-facts");
    for (const [term, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      dl.appendChild(el("dt", null, term));
      const dd = el("dd");
      if (value instanceof Node) dd.appendChild(value);
      else dd.textContent = String(value);
      dl.appendChild(dd);
    }
    return dl;
  }

  /** A link only for http(s) URLs; anything else (javascript:, data:) becomes plain text. */
  function safeLink(href, text) {
    let url = null;
    try {
      url = new URL(href, location.href);
    } catch (_) {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return document.createTextNode(text);
    }
    const a = el("a", null, text);
    a.setAttribute("href", url.href);
    if (url.origin !== location.origin) {
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
    }
    return a;
  }

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December"];

  function formatDate(iso, precision) {
    if (!iso) return "Date unknown";
    const [y, m, d] = iso.split("-").map(Number);
    if (precision === "year") return String(y);
    if (precision === "month") return MONTHS[m - 1] + " " + y;
    return d + " " + MONTHS[m - 1] + " " + y;
  }

  function shortDate(iso) {
    if (!iso) return "";
    const [y, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1].slice(0, 3) + " " + y;
  }

  function distance(metres) {
    if (metres === null || metres === undefined) return "";
    return metres >= 1000 ? "±" + fmt(metres / 1000) + " km" : "±" + fmt(metres) + " m";
  }

  /* Colour scale ------------------------------------------------------------------------ */

  function colorFor(value) {
    let color = null;
    for (const c of palette.classes) {
      if (value >= c.min) color = c.color;
    }
    return color || palette.no_count.colors[config.theme];
  }

  /* Layers ------------------------------------------------------------------------------ */

  function pane(name, zIndex) {
    const p = map.createPane(name);
    p.style.zIndex = String(zIndex);
    p.style.pointerEvents = "none"; // interactive paths take their clicks; the rest goes through
    return p;
  }
  pane("cx-hexagons", 410);
  pane("cx-clusters", 430);
  const hexRenderer = L.svg({ pane: "cx-hexagons", padding: 0.5 });
  const clusterRenderer = L.svg({ pane: "cx-clusters", padding: 0.5 });

  // Mean H3 hexagon edge in km by resolution (h3geo.org/docs/core-library/restable).
  const CELL_EDGE_KM = [1281.3, 483.1, 182.5, 69.0, 26.1, 9.85, 3.72, 1.41, 0.53, 0.20];

  function resolution() {
    if (state.res !== null) return state.res;
    const table = config.zoomResolutions;
    return table[Math.max(0, Math.min(table.length - 1, Math.round(map.getZoom())))];
  }

  /** The view (padded) as minx,miny,maxx,maxy, west/east brought into -180..180; null when
   * it spans the whole world. */
  function viewBbox(pad, marginKm) {
    const b = map.getBounds().pad(pad);
    // marginKm: a hexagon's width beyond the box, so every cell that reaches into it has all
    // of its incidents inside the box asked for (its count is whole, not cut at the edge)
    const dLat = (marginKm || 0) / 111.2;
    const widest = Math.max(Math.abs(b.getSouth()), Math.abs(b.getNorth()));
    const dLon = dLat / Math.max(Math.cos((Math.min(widest, 85) * Math.PI) / 180), 0.05);
    let west = b.getWest() - dLon;
    let east = b.getEast() + dLon;
    if (east - west >= 360) return null;
    const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
    west = wrap(west);
    east = wrap(east);
    const south = Math.max(-90, b.getSouth() - dLat);
    const north = Math.min(90, b.getNorth() + dLat);
    const r = (x) => Math.round(x * 1000) / 1000;
    return [r(west), r(south), r(east), r(north)].join(",");
  }

  function hexStyle(feature) {
    const p = feature.properties;
    const value = p.dead_and_missing !== undefined ? p.dead_and_missing : p.value;
    const fill = colorFor(value);
    // a hexagon far coarser than the view's (a sea area seen at zoom 8) is a faint wash, so
    // it says "somewhere in here" without hiding the map
    const faint = p.coarser && resolution() - p.resolution >= 3;
    return p.coarser
      ? { color: fill, weight: 1, opacity: 0.85, dashArray: "2 3", fillColor: fill,
          fillOpacity: faint ? 0.04 : 0.12 }
      : { color: theme.hex_edge, weight: 0.6, opacity: 1, dashArray: null, fillColor: fill,
          fillOpacity: 0.86 };
  }

  function hexPopup(feature) {
    const p = feature.properties;
    const box = el("div", "cx-popup");
    const dm = p.dead_and_missing !== undefined ? p.dead_and_missing : p.value;
    box.appendChild(el("p", "cx-popup-kicker", "Hexagon"));
    box.appendChild(el("h3", null, fmt(dm) + " dead and missing"));
    box.appendChild(definitionList([
      ["Incidents", p.incidents !== undefined ? fmt(p.incidents) : null],
      ["Dead", p.dead !== undefined ? fmt(p.dead) : null],
      ["Missing", p.missing !== undefined ? fmt(p.missing) : null],
    ]));
    if (p.coarser) {
      box.appendChild(el("p", "cx-popup-note",
        "Place known only roughly: these incidents are somewhere in this large hexagon " +
        "(H3 resolution " + p.resolution + "), not at one spot."));
    }
    return box;
  }

  function tagPath(className, attributes) {
    return function () {
      const node = this.getElement && this.getElement();
      if (!node) return;
      for (const c of className.split(" ")) if (c) node.classList.add(c);
      for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    };
  }

  let hexLayer = null;

  async function drawHexagons(signal) {
    const res = resolution();
    const params = filterParams(state);
    params.set("res", String(res));
    params.set("weight", "dead_and_missing");
    if (res >= config.bboxFromRes) {
      const bbox = viewBbox(0.25, 2 * CELL_EDGE_KM[res]);
      if (bbox) params.set("bbox", bbox);
    }
    const url = withQuery(api.heatmap, params);
    if (url === crossings.heatmapUrl && hexLayer) return;
    const data = await getJSON(url, signal);
    const layer = L.geoJSON(data, {
      renderer: hexRenderer,
      pane: "cx-hexagons",
      className: "cx-hex",
      style: hexStyle,
      onEachFeature(feature, sub) {
        const classes = feature.properties.coarser ? "cx-hex-coarser" : "";
        sub.on("add", tagPath(classes, { "data-h3": String(feature.id) }));
        sub.bindPopup(() => hexPopup(feature), { maxWidth: 260 });
      },
    });
    groups.hexagons.clearLayers();
    hexLayer = layer;
    $("cx-res-note").textContent = "Hexagons here: edges of about " +
      config.resolutionEdges[res] + " (H3 resolution " + res + ")" +
      (state.res === null ? ", finer as you zoom in." : ", pinned.");
    groups.hexagons.addLayer(layer);
    crossings.heatmap = data;
    crossings.heatmapUrl = url;
  }

  /* The basemap at the view's own scale from zoom 5 on (the page holds the world at one
   * coarse scale): the box is snapped outwards to a grid, so small pans reuse it. */
  let detailLayer = null;
  let detailBounds = null; // what the detailed basemap covers
  const world = config.basemap ? window[config.basemap] : null; // null under a tile layer

  /** The world's coarse coasts would show through the detailed ones: one or the other. */
  function showWorld(on) {
    if (!world) return;
    if (on && !map.hasLayer(world)) map.addLayer(world);
    if (!on && map.hasLayer(world)) map.removeLayer(world);
  }

  async function drawBasemapDetail(signal) {
    const z = Math.round(map.getZoom());
    if (!world || z < config.detailFromZoom) {
      showWorld(true);
      if (detailLayer) map.removeLayer(detailLayer);
      detailLayer = null;
      crossings.basemapUrl = null;
      return;
    }
    const maxSpan = Math.min(360, 360 / Math.pow(2, Math.max(z - 4, 0))); // as the server
    const step = maxSpan / 16;
    const b = map.getBounds().pad(0.15);
    const snap = (x, f) => Math.round(f(x / step) * step * 1000) / 1000;
    const west = Math.max(-180, snap(b.getWest(), Math.floor));
    const east = Math.min(180, snap(b.getEast(), Math.ceil));
    const south = Math.max(-90, snap(b.getSouth(), Math.floor));
    const north = Math.min(90, snap(b.getNorth(), Math.ceil));
    // across the antimeridian or wider than the server serves: the world's basemap stays
    if (west >= east || b.getWest() < -180 || b.getEast() > 180 ||
        Math.max(east - west, north - south) > maxSpan) {
      showWorld(true);
      if (detailLayer) map.removeLayer(detailLayer);
      detailLayer = null;
      crossings.basemapUrl = null;
      return;
    }
    const params = new URLSearchParams({ bbox: [west, south, east, north].join(","), z: String(z) });
    const url = withQuery(api.countries, params);
    if (url === crossings.basemapUrl) {
      if (detailBounds && detailBounds.contains(map.getBounds())) showWorld(false);
      return;
    }
    const data = await getJSON(url, signal);
    const layer = L.geoJSON(data, {
      pane: "cx-basemap",
      interactive: false,
      style: () => ({ fillColor: theme.land, fillOpacity: 1, color: theme.borders, weight: 0.6 }),
    });
    if (detailLayer) map.removeLayer(detailLayer);
    detailLayer = layer.addTo(map);
    detailBounds = L.latLngBounds([south, west], [north, east]);
    if (detailBounds.contains(map.getBounds())) showWorld(false);
    crossings.basemapUrl = url;
  }

  async function drawClusters(signal) {
    const data = await getJSON(withQuery(api.clusters, filterParams(state)), signal);
    const layer = L.geoJSON(data, {
      renderer: clusterRenderer,
      pane: "cx-clusters",
      className: "cx-cluster",
      style: () => ({ color: "#2d2440", weight: 1.6, opacity: 0.9, fill: false }),
      onEachFeature(feature, sub) {
        sub.bindPopup(() => clusterPopup(feature), { maxWidth: 280 });
      },
    });
    groups.clusters.clearLayers();
    groups.clusters.addLayer(layer);
  }

  function clusterPopup(feature) {
    const p = feature.properties;
    const box = el("div", "cx-popup");
    const name = config.corridors[p.corridor] || p.corridor;
    box.appendChild(el("p", "cx-popup-kicker", "Cluster " + p.rank + " · " + (p.region || "")));
    box.appendChild(el("h3", null, name));
    const period = p.first_event_date
      ? shortDate(p.first_event_date) + " – " + shortDate(p.last_event_date)
      : null;
    box.appendChild(definitionList([
      ["Incidents", fmt(p.incidents)],
      ["Dead", fmt(p.dead)],
      ["Missing", fmt(p.missing)],
      ["Period", period],
      ["Share", p.share !== undefined ? Math.round(p.share * 100) + "% of the corridor" : null],
    ]));
    return box;
  }

  const CATEGORY = Object.fromEntries(config.categories.map((c) => [c.id, c.label]));
  const PRECISION = {
    exact: "exact", site: "a site", locality: "a town or village", admin: "an admin area",
    country: "a country", sea_area: "a sea area",
  };

  function incidentPopup(feature) {
    const p = feature.properties;
    const box = el("div", "cx-popup cx-popup-incident");
    box.appendChild(el("p", "cx-popup-kicker",
      (CATEGORY[p.category] || p.category || "Incident").replace(/s$/, "")));
    box.appendChild(el("h3", null, formatDate(p.date, p.date_precision)));
    const where = el("span");
    where.appendChild(el("span", "cx-location", p.location || "No location text"));
    if (p.precision) {
      where.appendChild(el("span", "cx-precision",
        " — placed to " + (PRECISION[p.precision] || p.precision) +
        (p.uncertainty_m ? " (" + distance(p.uncertainty_m) + ")" : "")));
    }
    box.appendChild(definitionList([
      ["Dead", fmt(p.dead)],
      ["Missing", fmt(p.missing)],
      ["Cause", p.cause || "not given"],
      ["Location", where],
      ["Source", sourceNode(p)],
    ]));
    const more = el("p", "cx-popup-more");
    more.appendChild(safeLink(api.incidents + "/" + encodeURIComponent(feature.id),
      "Full record (GeoJSON)"));
    box.appendChild(more);
    return box;
  }

  const sources = {}; // dataset id -> {name, url}

  function sourceNode(p) {
    const span = el("span");
    const dataset = sources[p.source];
    const name = p.source_name || (dataset && dataset.name) || p.source || "unknown";
    let href = null;
    if (typeof p.source_url === "string" && /^https?:\/\//i.test(p.source_url)) href = p.source_url;
    else if (dataset && dataset.url && /^https?:\/\//i.test(dataset.url)) href = dataset.url;
    span.appendChild(href ? safeLink(href, name) : document.createTextNode(name));
    if (dataset && dataset.name && dataset.name !== name) {
      span.appendChild(document.createTextNode(" (" + dataset.name + ")"));
    }
    return span;
  }

  const dot = L.divIcon({ className: "cx-dot", iconSize: [12, 12], iconAnchor: [6, 6] });

  async function drawIncidents(signal) {
    const note = $("cx-note");
    if (map.getZoom() < config.incidentsMinZoom) {
      groups.incidents.clearLayers();
      crossings.incidents = null;
      note.hidden = false;
      note.textContent = "Zoom in to see single incidents.";
      return;
    }
    const params = filterParams(state);
    const bbox = viewBbox(0.05);
    if (bbox) params.set("bbox", bbox);
    params.set("limit", String(config.incidentsPage));
    let url = withQuery(api.incidents, params);
    const features = [];
    let matched = 0;
    while (url && features.length < config.incidentsCap) {
      const page = await getJSON(url, signal);
      matched = page.numberMatched;
      features.push(...page.features);
      const next = (page.links || []).find((l) => l.rel === "next");
      url = next ? next.href : null;
    }
    const markers = [];
    for (const f of features.slice(0, config.incidentsCap)) {
      if (!f.geometry) continue;
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.marker([lat, lon], { icon: dot, keyboard: true });
      marker.on("add", function () {
        const node = this.getElement();
        if (node) {
          node.classList.add("cx-dot-" + (f.properties.category || "other"));
          node.setAttribute("aria-label", "Incident, " + formatDate(f.properties.date,
            f.properties.date_precision));
        }
      });
      marker.bindPopup(() => incidentPopup(f), { maxWidth: 300 });
      markers.push(marker);
    }
    groups.incidents.clearLayers();
    groups.incidents.addLayers(markers);
    crossings.incidents = { shown: markers.length, matched };
    note.hidden = false;
    note.textContent = markers.length < matched
      ? "Showing " + fmt(markers.length) + " of " + fmt(matched) +
        " incidents in view. Zoom in to see them all."
      : fmt(matched) + " incidents in view.";
  }

  /* Totals, sources, pattern ------------------------------------------------------------ */

  async function drawTotals(signal) {
    const ask = (weight) => {
      const params = filterParams(state);
      params.set("res", "0");
      params.set("weight", weight);
      params.set("format", "geojson");
      return getJSON(withQuery(api.heatmap, params), signal);
    };
    const [dead, missing] = await Promise.all([ask("dead"), ask("missing")]);
    const totals = {
      events: dead.incidents + dead.unlocated_incidents,
      dead: dead.total + dead.unlocated,
      missing: missing.total + missing.unlocated,
      unlocated: dead.unlocated_incidents,
    };
    crossings.totals = totals;
    $("cx-totals").textContent =
      fmt(totals.events) + " events, " + fmt(totals.dead) + " dead, " +
      fmt(totals.missing) + " missing" + periodText();
    $("cx-unlocated").textContent = totals.unlocated
      ? fmt(totals.unlocated) + " of these events have no known place and are not on the map."
      : "";
  }

  function periodText() {
    if (state.start && state.end) return ", " + shortDate(state.start) + " – " + shortDate(state.end);
    if (state.start) return ", from " + shortDate(state.start);
    if (state.end) return ", until " + shortDate(state.end);
    return ", all recorded dates";
  }

  async function loadSources() {
    const select = $("cx-source");
    let data;
    try {
      data = await getJSON(api.sources);
    } catch (error) {
      return; // the map works without the dataset list; the filter then offers "All"
    }
    const chosen = new Set(state.source);
    for (const option of Array.from(select.options)) if (option.value) option.remove();
    for (const s of data.sources || []) {
      sources[s.id] = { name: s.name, url: s.url };
      const option = el("option", null, s.name || s.id);
      option.value = s.id;
      option.selected = chosen.has(s.id);
      select.appendChild(option);
    }
  }

  let patternController = null;

  async function drawPattern() {
    if (patternController) patternController.abort();
    const controller = new AbortController();
    patternController = controller;
    const section = $("cx-pattern");
    const summary = $("cx-pattern-summary");
    const tbody = $("cx-pattern-table").tBodies[0];
    section.setAttribute("aria-busy", "true");
    body.dataset.pattern = "loading";
    summary.textContent = "Loading the figures…";
    summary.classList.add("cx-muted");
    try {
      const data = await getJSON(withQuery(api.pattern, filterParams(state)), controller.signal);
      crossings.pattern = data;
      summary.textContent = data.summary;
      summary.classList.remove("cx-muted");
      tbody.replaceChildren();
      for (const r of data.regions || []) {
        const tr = el("tr");
        const th = el("th", null, r.name === "unknown" ? "No known place" : r.name);
        th.setAttribute("scope", "row");
        tr.appendChild(th);
        tr.appendChild(el("td", null, fmt(r.incidents)));
        tr.appendChild(el("td", null, fmt(r.dead)));
        tr.appendChild(el("td", null, fmt(r.missing)));
        const share = el("td", "cx-share");
        const bar = el("span", "cx-bar");
        bar.style.width = Math.round((r.share || 0) * 100) + "%";
        share.appendChild(bar);
        share.appendChild(el("span", null, Math.round((r.share || 0) * 100) + "%"));
        tr.appendChild(share);
        tbody.appendChild(tr);
      }
      body.dataset.pattern = "ready";
    } catch (error) {
      if (isAbort(error)) return;
      summary.textContent = "The figures could not be loaded: " + error.message;
      body.dataset.pattern = "error";
    } finally {
      if (patternController === controller) section.setAttribute("aria-busy", "false");
    }
  }

  /* Redraws ------------------------------------------------------------------------------ */

  let viewController = null;
  let filterController = null;
  let viewJob = Promise.resolve();
  let filterJob = Promise.resolve();
  let generation = 0;

  /** Redraw what ``what`` names: "filters" redraws everything, "view" (the map moved) the
   * hexagons and incidents only, leaving the totals and clusters of the filters running. */
  function redraw(what) {
    const mine = ++generation;
    body.dataset.state = "loading";
    if (viewController) viewController.abort();
    viewController = new AbortController();
    viewJob = Promise.all([drawHexagons(viewController.signal),
      drawIncidents(viewController.signal), drawBasemapDetail(viewController.signal)]);
    if (what === "filters") {
      if (filterController) filterController.abort();
      filterController = new AbortController();
      filterJob = Promise.all([drawClusters(filterController.signal),
        drawTotals(filterController.signal)]);
      drawPattern();
    }
    crossings.ready = Promise.all([viewJob, filterJob]).then(
      () => {
        if (generation !== mine) return;
        crossings.redraws += 1;
        $("cx-note").classList.remove("cx-error");
        body.dataset.state = "ready";
        if (crossings.redraws === 1 && window.performance && performance.mark) {
          performance.mark("crossings-rendered"); // bench/pages.py: the map is drawn
        }
      },
      (error) => {
        if (generation !== mine || isAbort(error)) return;
        crossings.redraws += 1;
        const note = $("cx-note");
        note.hidden = false;
        note.classList.add("cx-error");
        note.textContent = "Could not load the map data: " + error.message;
        body.dataset.state = "error";
      },
    );
    return crossings.ready;
  }

  /* Form ---------------------------------------------------------------------------------- */

  const form = $("cx-filters");
  const startInput = $("cx-start");
  const endInput = $("cx-end");
  const resSelect = $("cx-res");
  const sourceSelect = $("cx-source");

  function firstYear() { return config.extent.first ? Number(config.extent.first.slice(0, 4)) : null; }
  function lastYear() { return config.extent.last ? Number(config.extent.last.slice(0, 4)) : null; }

  function buildYears() {
    const box = $("cx-years");
    const a = firstYear();
    const b = lastYear();
    const all = el("button", "cx-chip", "All");
    all.type = "button";
    all.dataset.year = "";
    box.appendChild(all);
    if (a === null || b === null) return;
    for (let y = a; y <= b; y++) {
      const button = el("button", "cx-chip", String(y));
      button.type = "button";
      button.dataset.year = String(y);
      box.appendChild(button);
    }
    box.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-year]");
      if (!button) return;
      const y = button.dataset.year;
      state.start = y ? y + "-01-01" : "";
      state.end = y ? y + "-12-31" : "";
      changed();
    });
  }

  function syncForm() {
    startInput.value = state.start;
    endInput.value = state.end;
    for (const box of form.querySelectorAll('input[name="category"]')) {
      box.checked = state.category.includes(box.value);
    }
    sourceSelect.value = state.source[0] || "";
    resSelect.value = state.res === null ? "" : String(state.res);
    for (const button of document.querySelectorAll("#cx-years button")) {
      const y = button.dataset.year;
      const pressed = y
        ? state.start === y + "-01-01" && state.end === y + "-12-31"
        : !state.start && !state.end;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
    }
  }

  function readForm() {
    let start = startInput.value;
    let end = endInput.value;
    if (start && end && start > end) [start, end] = [end, start];
    state.start = start;
    state.end = end;
    state.category = Array.from(form.querySelectorAll('input[name="category"]:checked'))
      .map((box) => box.value);
    state.source = sourceSelect.value ? [sourceSelect.value] : [];
    state.res = resSelect.value === "" ? null : Number(resSelect.value);
  }

  function changed(onlyResolution) {
    syncForm();
    history.pushState(copyState(state), "", pageUrl(state));
    redraw(onlyResolution ? "view" : "filters");
  }

  form.addEventListener("change", (event) => {
    readForm();
    changed(event.target === resSelect);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  $("cx-reset").addEventListener("click", () => {
    state = emptyState();
    crossings.state = state;
    changed();
  });
  window.addEventListener("popstate", (event) => {
    state = copyState(event.state || stateFromQuery(location.search));
    crossings.state = state;
    syncForm();
    redraw("filters");
  });

  /* View in the URL's hash (#zoom/lat/lon), replaced as the map moves ------------------ */

  function readHash() {
    const m = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(location.hash);
    if (!m) return false;
    map.setView([Number(m[2]), Number(m[3])], Number(m[1]), { animate: false });
    return true;
  }

  function writeHash() {
    const c = map.getCenter();
    const hash = "#" + map.getZoom() + "/" + c.lat.toFixed(3) + "/" + c.lng.toFixed(3);
    history.replaceState(history.state, "", location.pathname + location.search + hash);
  }

  /* Start ---------------------------------------------------------------------------------- */

  map.getContainer().setAttribute("role", "region");
  map.getContainer().setAttribute("aria-label",
    "Map of dead and missing people on the move by hexagon, with corridors and borders");
  buildYears();
  readHash();
  syncForm();
  history.replaceState(copyState(state), "", location.href);
  // while the map is dragged beyond the detailed basemap, the world's shows under it
  map.on("move", () => {
    if (detailLayer && detailBounds && !detailBounds.contains(map.getBounds())) showWorld(true);
  });
  map.on("moveend", () => {
    writeHash();
    redraw("view");
  });
  loadSources().finally(() => {
    syncForm();
  });
  redraw("filters");
})();
