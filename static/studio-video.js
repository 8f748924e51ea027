// Studio video page: pick the poster from the current frame; make a social cut (1:1 or 9:16,
// captions burned in) and offer its download; follow automatic captioning, re-run it, and mark an
// automatic track reviewed.
(function () {
  "use strict";
  var page = document.querySelector(".video-page");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var useFrame = page.querySelector(".use-frame");
  if (useFrame) {
    useFrame.addEventListener("click", function () {
      var time = Math.round(page.querySelector("video").currentTime * 1000) / 1000;
      var state = page.querySelector(".poster-state");
      fetch(page.dataset.videoUrl + "/poster", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ time: time }) })
        .then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
        .then(function (result) {
          state.textContent = result[0] ? "The poster is being made from second " + time + "." : result[1].error.message;
          page.dataset.posterTime = result[0] ? String(time) : "";
        });
    });
  }
  var logoBox = page.querySelector(".burn-logo");
  page.querySelectorAll(".social-cut").forEach(function (box) {
    var aspect = box.dataset.aspect;
    var state = box.querySelector(".cut-state");
    var link = box.querySelector(".download-cut");
    function poll(tries) {
      fetch(page.dataset.videoUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (video) {
          var url = video.social_cuts[aspect];
          if (url && url !== link.getAttribute("href")) {
            link.href = url; link.hidden = false; state.textContent = "Ready.";
          } else if (tries > 0) {
            setTimeout(function () { poll(tries - 1); }, 1500);
          } else {
            state.textContent = video.error || "Still working; reload later.";
          }
        });
    }
    box.querySelector(".make-cut").addEventListener("click", function () {
      state.textContent = "Making the " + aspect + " cut…";
      link.removeAttribute("href");
      link.hidden = true;
      fetch(page.dataset.videoUrl + "/social-cut", { method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ aspect: aspect, logo: Boolean(logoBox && logoBox.checked) }) })
        .then(function (r) { if (!r.ok) throw new Error("refused"); poll(80); })
        .catch(function () { state.textContent = "The cut could not be started."; });
    });
  });
  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf }, body: "{}" });
  }
  var captioning = page.querySelector(".captioning");
  function followCaptioning() {
    fetch(page.dataset.videoUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (video) {
        var state = video.captioning || {};
        if (state.status === "queued" || state.status === "running") {
          var bar = captioning.querySelector(".captioning-progress");
          bar.hidden = false;
          bar.value = state.progress || 0;
          captioning.querySelector(".captioning-text").textContent = "Automatic captions are being made (" +
            Math.round((state.progress || 0) * 100) + "%); they appear here when done.";
          setTimeout(followCaptioning, 2000);
        } else {
          location.reload();  // the new tracks, or the reason they could not be made
        }
      });
  }
  if (captioning && (captioning.dataset.status === "queued" || captioning.dataset.status === "running")) {
    setTimeout(followCaptioning, 2000);
  }
  var rerun = page.querySelector(".rerun-captions");
  if (rerun) {
    rerun.addEventListener("click", function () {
      rerun.disabled = true;
      post(page.dataset.videoUrl + "/captions/auto").then(function () { setTimeout(followCaptioning, 1000); });
    });
  }
  page.querySelectorAll(".review-track").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      post(page.dataset.videoUrl + "/captions/" + encodeURIComponent(button.dataset.lang) + "/review")
        .then(function (r) { if (r.ok) location.reload(); else button.disabled = false; });
    });
  });
})();
