/* Crossings corridor embed: draws the corridor and its hexagons from the data in the page,
   and tells the parent page its height (newsroom iframe convention). No request leaves the
   page: everything is in #crossings-embed. Data text is set with textContent only. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("crossings-embed").textContent);
  var root = document.getElementById("embed");
  var map = window[config.map];
  var theme = config.palette.themes[config.theme];

  function colorFor(value) {
    var classes = config.palette.classes;
    if (value < classes[0].min) return theme.no_count;
    for (var i = classes.length - 1; i >= 0; i--) {
      if (value >= classes[i].min) return classes[i].color;
    }
    return theme.no_count;
  }

  function tooltip(lines) {
    var box = document.createElement("div");
    box.className = "crossings-tooltip";
    lines.forEach(function (line, n) {
      var row = document.createElement(n === 0 ? "strong" : "div");
      row.textContent = line;
      box.appendChild(row);
      if (n === 0) box.appendChild(document.createElement("br"));
    });
    return box;
  }

  L.geoJSON(config.outline, {
    interactive: false,
    style: { color: theme.corridor, weight: 1.5, dashArray: "4 3", fillColor: theme.corridor,
             fillOpacity: 0.06 }
  }).addTo(map);

  var renderer = L.svg({ padding: 0.2 });
  L.geoJSON(config.hexagons, {
    renderer: renderer,
    style: function (feature) {
      var p = feature.properties;
      var fill = colorFor(p.value);
      if (p.coarser) {  // a place known only roughly: a pale wash with a dashed edge
        return { color: fill, weight: 1.2, opacity: 0.9, dashArray: "3 3", fillColor: fill,
                 fillOpacity: 0.16, className: "crossings-hex crossings-hex-rough" };
      }
      return { color: theme.hex_edge, weight: 0.5, fillColor: fill, fillOpacity: 0.88,
               className: "crossings-hex" };
    },
    onEachFeature: function (feature, layer) {
      layer.bindTooltip(tooltip(feature.properties.text), { sticky: true, direction: "top" });
    }
  }).addTo(map);

  map.fitBounds(config.bounds, { padding: [6, 6] });
  // The basemap covers the corridor and a margin around it: keep the view there.
  map.setMinZoom(Math.max(map.getZoom(), 1));
  map.setMaxBounds(config.limits);
  map.options.maxBoundsViscosity = 0.9;

  function postHeight() {
    var height = Math.ceil(root.getBoundingClientRect().height);
    if (window.parent && window.parent !== window) {
      window.parent.postMessage({ type: config.message, height: height, id: config.slug }, "*");
    }
    document.documentElement.dataset.height = String(height);
  }
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(root);
  window.addEventListener("load", postHeight);
  postHeight();
  root.dataset.state = "ready";
  if (window.performance && performance.mark) performance.mark("crossings-rendered");
})();
