// Story editor: live preview of the Markdown body, rendered and sanitized by the server exactly as
// readers will get it.
(function () {
  "use strict";
  var page = document.querySelector(".story-editor");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var body = document.getElementById("body");
  var preview = page.querySelector(".body-preview");
  var timer = null;
  function refresh() {
    fetch(page.dataset.preview, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ body: body.value }) })
      .then(function (r) { return r.json(); })
      .then(function (data) { preview.innerHTML = data.html; });  // sanitized by the server (nh3)
  }
  body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  refresh();
})();
