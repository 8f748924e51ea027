// What every studio script shares about a video's state: the server says it in words (status_text,
// captioning_text) and says whether work is under way (active, captioning_active); this module
// follows a video while it is, with one polling loop.
window.StudioStatus = (function () {
  "use strict";
  function fetchVideo(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.statusText || "HTTP " + response.status);
        return response.json();
      });
  }
  // Calls onVideo(video) now and again every `every` ms while keepGoing(video) holds (default: the
  // video is active); onError(error) on a failed fetch, retried after 5 s. Returns stop().
  function follow(url, onVideo, options) {
    options = options || {};
    var every = options.every || 2000;
    var keepGoing = options.keepGoing || function (video) { return video.active; };
    var timer = null, stopped = false;
    function tick() {
      fetchVideo(url).then(function (video) {
        if (stopped) return;
        onVideo(video);
        if (keepGoing(video)) timer = setTimeout(tick, every);
      }).catch(function (error) {
        if (stopped) return;
        if (options.onError) options.onError(error);
        timer = setTimeout(tick, 5000);
      });
    }
    if (options.wait) timer = setTimeout(tick, options.wait); else tick();
    return function stop() { stopped = true; clearTimeout(timer); };
  }
  return { fetchVideo: fetchVideo, follow: follow };
})();
