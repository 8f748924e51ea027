// The live player of templates/public/_live_player.html (article and /embed/live/<id>).
// States: "soon" (poster text, polls until the stream starts), "live" (hls.js on the EVENT playlist:
// LIVE badge at the live edge, a DVR bar over the whole event, "Back to live"), "ended" (the event
// plays as a replay; when the recording is playable the page reloads to show it).
(function () {
  "use strict";
  var POLL_MS = 5000, EDGE_S = 3;

  function setUp(figure) {
    var video = figure.querySelector("video");
    var badge = figure.querySelector(".live-badge");
    var scrub = figure.querySelector(".live-scrub");
    var back = figure.querySelector(".live-back");
    var captions = figure.querySelector(".live-captions");
    var hls = null;

    function attach() {
      if (hls || video.src) return;
      var src = figure.dataset.hls;
      if (window.Hls && window.Hls.isSupported()) {
        hls = new window.Hls({ liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, renderTextTracksNatively: true });
        hls.loadSource(src);
        hls.attachMedia(video);
        hls.on(window.Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = src;
        video.play().catch(function () {});
      }
    }

    function liveEdge() {
      if (hls && hls.liveSyncPosition) return hls.liveSyncPosition;
      var ranges = video.seekable;
      return ranges.length ? Math.max(0, ranges.end(ranges.length - 1) - 4) : 0;
    }

    function atEdge() { return liveEdge() - video.currentTime < EDGE_S; }

    function render() {
      var state = figure.dataset.state;
      var ranges = video.seekable;
      if (ranges.length) {
        scrub.min = ranges.start(0);
        scrub.max = ranges.end(ranges.length - 1);
        if (document.activeElement !== scrub) scrub.value = video.currentTime;
      }
      var live = state === "live";
      figure.classList.toggle("live-player--behind", live && !atEdge());
      badge.hidden = !live;
      back.hidden = !live || atEdge();
    }

    function poll() {
      fetch(figure.dataset.status, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (status) {
          if (!status) return;
          if (status.recording) { window.location.reload(); return; }
          if (status.state !== figure.dataset.state) {
            figure.dataset.state = status.state;
            if (status.state !== "soon") attach();
          }
        }).catch(function () {});
    }

    scrub.addEventListener("input", function () { video.currentTime = parseFloat(scrub.value); });
    back.addEventListener("click", function () { video.currentTime = liveEdge(); video.play().catch(function () {}); });
    if (captions) {
      captions.addEventListener("click", function () {
        var on = captions.getAttribute("aria-pressed") !== "true";
        captions.setAttribute("aria-pressed", String(on));
        if (hls) { hls.subtitleTrack = on ? 0 : -1; hls.subtitleDisplay = on; }
        for (var i = 0; i < video.textTracks.length; i++) video.textTracks[i].mode = on && i === 0 ? "showing" : "disabled";
      });
    }
    video.addEventListener("timeupdate", render);
    if (figure.dataset.state !== "soon") attach();
    render();
    setInterval(function () { render(); }, 1000);
    setInterval(poll, POLL_MS);
  }

  document.querySelectorAll("[data-live]").forEach(setUp);
})();
