// Live processing progress in the studio's video list: follow the rows still in the queue.
(function () {
  document.querySelectorAll("tr[data-video-url][data-active=true]").forEach(function (row) {
    window.StudioStatus.follow(row.dataset.videoUrl, function (video) {
      row.dataset.active = String(video.active);
      row.dataset.status = video.status;
      row.querySelector(".video-status").textContent = video.status;
      var bar = row.querySelector("progress");
      bar.value = video.progress;
      bar.textContent = Math.round(video.progress * 100) + "%";
      bar.hidden = !video.active;
      row.querySelector(".video-error").textContent = video.error || "";
    }, { wait: 2000 });
  });
})();
