// Playback beacons (docs/ANALYTICS.md): what the reader's player went through, sent with
// navigator.sendBeacon to the figure's data-beacon URL as sums since the previous beacon of this page
// view. Only players with data-surface (article, watch, embed) report: the studio's previews do not.
// No cookie, no storage, no id: nothing here outlives the page view.
(function () {
  "use strict";
  var REPORT_EVERY_MS = 15000;
  var HLS_ERROR_CODES = { networkError: 2, mediaError: 3 }; // as MediaError codes; others are 0

  function attach(figure, video) {
    var url = figure.dataset.beacon, surface = figure.dataset.surface;
    if (!url || !surface || !navigator.sendBeacon) return;
    var view = { started: false, sent: false, intentAt: 0, firstFrame: false, error: false, left: false };
    var seenInView = {}, lastPosition = null, stallStartedAt = null, seeking = false, hlsLevels = false;
    var pending = empty();

    function empty() { return { watch_ms: 0, stall_ms: 0, stalls: 0, seen: [], heights: {}, switches: 0 }; }
    function now() { return performance.now(); }
    function duration() {
      return isFinite(video.duration) && video.duration > 0 ? video.duration : Number(figure.dataset.duration) || 0;
    }

    function send(extra) {
      var body = { video: figure.dataset.videoId, surface: surface };
      if (!view.sent) { body.view = true; view.sent = true; }
      ["watch_ms", "stall_ms", "stalls", "switches"].forEach(function (name) {
        if (pending[name]) body[name] = Math.round(pending[name]);
      });
      if (pending.seen.length) body.seen = pending.seen;
      var heights = Object.keys(pending.heights).slice(0, 8).map(function (h) { return [Number(h), Math.round(pending.heights[h])]; });
      if (heights.length) body.heights = heights;
      Object.keys(extra || {}).forEach(function (name) { body[name] = extra[name]; });
      pending = empty();
      navigator.sendBeacon(url, new Blob([JSON.stringify(body)], { type: "application/json" }));
    }
    function hasNews() {
      return !view.sent || pending.watch_ms >= 1 || pending.stalls || pending.seen.length || pending.switches;
    }
    function start() {
      if (view.started) return;
      view.started = true;
      view.intentAt = now();
    }

    function endStall() {
      if (stallStartedAt === null) return;
      pending.stall_ms += now() - stallStartedAt;
      pending.stalls += 1;
      stallStartedAt = null;
    }

    function see(from, to) {
      var length = duration();
      if (!length) return;
      var first = Math.min(99, Math.floor(from / length * 100)), last = Math.min(99, Math.floor(to / length * 100));
      for (var percent = first; percent <= last; percent++) {
        if (!seenInView[percent]) { seenInView[percent] = true; pending.seen.push(percent); }
      }
    }

    function reportError(code, fatal) {
      if (view.error) return;
      view.error = true;
      start();
      send({ error: { code: code, fatal: fatal } });
    }

    video.addEventListener("play", start);
    video.addEventListener("playing", function () {
      if (view.started && !view.firstFrame) {
        view.firstFrame = true;
        lastPosition = video.currentTime;
        send({ startup_ms: Math.round(now() - view.intentAt) });
      }
      endStall();
    });
    video.addEventListener("waiting", function () {
      if (view.firstFrame && !seeking && stallStartedAt === null) stallStartedAt = now();
    });
    video.addEventListener("seeking", function () { seeking = true; lastPosition = null; stallStartedAt = null; });
    video.addEventListener("seeked", function () { seeking = false; });
    video.addEventListener("timeupdate", function () {
      if (!view.firstFrame || seeking || video.paused) return;
      var position = video.currentTime;
      if (lastPosition !== null && position > lastPosition && position - lastPosition < 2) {
        endStall();
        var ms = (position - lastPosition) * 1000;
        pending.watch_ms += ms;
        if (video.videoHeight) pending.heights[video.videoHeight] = (pending.heights[video.videoHeight] || 0) + ms;
        see(lastPosition, position);
      } else if (lastPosition === null) {
        see(position, position);
      }
      lastPosition = position;
    });
    video.addEventListener("resize", function () { if (view.firstFrame && !hlsLevels) pending.switches += 1; });
    video.addEventListener("ended", function () { if (hasNews()) send(); });
    video.addEventListener("pause", function () { if (view.firstFrame && hasNews()) send(); });
    // A media error of the element or of its last <source> (source errors do not bubble: capture).
    video.addEventListener("error", function (event) {
      var code = video.error ? video.error.code : 4;
      if (video.error || event.target === video.querySelector("source:last-of-type")) reportError(code, true);
    }, true);
    // player.js announces each engine it starts; with hls.js (figure.hlsPlayer): level switches and
    // hls.js's own fatal errors.
    var watchedHls = null;
    figure.addEventListener("player:engine", function () {
      var hls = figure.hlsPlayer;
      hlsLevels = !!hls;
      if (!hls || hls === watchedHls) return;
      watchedHls = hls;
      var first = true;
      hls.on(window.Hls.Events.LEVEL_SWITCHED, function () { if (!first) pending.switches += 1; first = false; });
      hls.on(window.Hls.Events.ERROR, function (_name, data) {
        if (data.fatal) reportError(HLS_ERROR_CODES[data.type] || 0, true);
      });
    });

    setInterval(function () { if (view.firstFrame && !video.paused && hasNews()) send(); }, REPORT_EVERY_MS);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && view.started && hasNews()) send();
    });
    window.addEventListener("pagehide", function () {
      if (!view.started || view.left) return;
      view.left = true;
      endStall();
      if (!view.firstFrame && !view.error) { send({ exit_before_start: true }); } else if (hasNews()) { send(); }
    });
  }

  document.querySelectorAll("[data-player][data-surface]").forEach(function (figure) {
    attach(figure, figure.querySelector("video"));
  });
})();
