// Live processing progress in the studio's video list: poll the API for rows still in the queue.
(function () {
  var ACTIVE = ["queued", "processing"];
  function refresh(row) {
    fetch(row.dataset.videoUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (video) {
        if (!video) return;
        row.dataset.status = video.status;
        row.querySelector(".video-status").textContent = video.status;
        var bar = row.querySelector("progress");
        bar.value = video.progress;
        bar.textContent = Math.round(video.progress * 100) + "%";
        bar.hidden = ACTIVE.indexOf(video.status) < 0;
        row.querySelector(".video-error").textContent = video.error || "";
      });
  }
  function tick() {
    var rows = document.querySelectorAll("tr[data-video-url]");
    var pending = Array.prototype.filter.call(rows, function (row) { return ACTIVE.indexOf(row.dataset.status) >= 0; });
    pending.forEach(refresh);
    if (pending.length) setTimeout(tick, 2000);
  }
  setTimeout(tick, 2000);
})();
