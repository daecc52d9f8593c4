// The corridor page's few behaviours: copy the embed code, and say when the page is ready
// (body[data-state="ready"] and window.crossings.ready) so tests wait on a state, not a timer.
(function () {
  "use strict";

  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = button.parentNode.querySelector(".cx-copy-status");
    if (!source) return;
    function done(ok) {
      if (status) status.textContent = ok ? "Copied." : "Select the code and copy it.";
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(
        function () { done(true); },
        function () { done(fallback(source)); }
      );
    } else {
      done(fallback(source));
    }
  }

  function fallback(source) {
    source.focus();
    source.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
  }

  // A deferred script runs after folium's inline one: the map's layers are drawn by now
  // (bench/pages.py reads this mark as the page's first render).
  if (window.performance && performance.mark) performance.mark("crossings-rendered");

  var crossings = (window.crossings = window.crossings || {});
  crossings.ready = new Promise(function (resolve) {
    function ready() {
      document.body.setAttribute("data-state", "ready");
      resolve(true);
    }
    if (document.readyState === "complete") ready();
    else window.addEventListener("load", ready);
  });
})();
