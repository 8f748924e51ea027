// Studio live page (templates/studio/live.html): status kept fresh, clip in/out from the preview,
// cut, end, new key; everything through the JSON API with the session's CSRF token.
(function () {
  "use strict";
  var page = document.querySelector(".live-page");
  if (!page) return;
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var video = page.querySelector("[data-live] video");
  var range = { start: null, end: null };

  function call(method, path, body) {
    return fetch(page.dataset.liveUrl + path, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function show(stream) {
    page.querySelector(".live-status-value").textContent = stream.status;
    page.querySelector(".live-connected").textContent = stream.connected ? " · encoder connected" : "";
    page.querySelector(".live-duration").textContent = stream.duration ? " · " + Math.floor(stream.duration) + " s packaged" : "";
    page.querySelector(".live-end").hidden = stream.status === "ended";
  }

  function refresh() { call("GET", "").then(function (answer) { if (answer.ok) show(answer.data); }); }

  function mark(which) {
    range[which] = Math.round(video.currentTime * 10) / 10;
    page.querySelector(".live-" + (which === "start" ? "in" : "out") + "-value").textContent = range[which] + " s";
  }

  page.querySelector(".live-in").addEventListener("click", function () { mark("start"); });
  page.querySelector(".live-out").addEventListener("click", function () { mark("end"); });
  page.querySelector(".live-cut").addEventListener("click", function () {
    var state = page.querySelector(".live-clip-state");
    var title = page.querySelector(".live-clip-title").value.trim();
    var body = { start: range.start, end: range.end };
    if (title) body.title = title;
    call("POST", "/clips", body).then(function (answer) {
      if (!answer.ok) { state.textContent = answer.data.error.message; return; }
      state.innerHTML = "";
      var link = document.createElement("a");
      link.href = page.dataset.studioVideo.replace("VIDEO_ID", answer.data.id);
      link.textContent = "Clip cut: open it";
      state.appendChild(link);
    });
  });
  page.querySelector(".live-end").addEventListener("click", function () {
    if (window.confirm("End the stream for everyone? The encoder is disconnected and the recording is made.")) {
      call("POST", "/end").then(function (answer) { if (answer.ok) show(answer.data); });
    }
  });
  page.querySelector(".live-reset-key").addEventListener("click", function () {
    call("POST", "/reset-key").then(function (answer) {
      if (!answer.ok) return;
      page.querySelector("#stream-key").value = answer.data.ingest.stream_key;
      page.querySelector("#rtmp-url").value = answer.data.ingest.rtmp_url;
      page.querySelector("#srt-url").value = answer.data.ingest.srt_url;
    });
  });
  refresh();
  setInterval(refresh, 3000);
})();
