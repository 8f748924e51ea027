// Studio uploads: several files at once over tus (resumable, retried after dropped connections,
// resumable after a reload), a progress bar with speed and time left per file, pause/resume,
// then the processing progress and a link to write the story. Also the import-by-URL form.
(function () {
  "use strict";
  var page = document.querySelector(".upload-page");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var list = page.querySelector(".upload-list");
  var rowTemplate = document.getElementById("upload-row");
  var maxBytes = Number(page.dataset.maxBytes);

  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRF-Token": csrf }, options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error((body.error && body.error.message) || response.statusText);
        return body;
      });
    });
  }

  function duration(seconds) {
    if (!isFinite(seconds)) return "…";
    var s = Math.round(seconds);
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  function newRow(name) {
    var row = rowTemplate.content.firstElementChild.cloneNode(true);
    row.querySelector(".upload-name").textContent = name;
    list.appendChild(row);
    return row;
  }

  function setState(row, text, link) {
    var state = row.querySelector(".upload-state");
    state.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      state.appendChild(a);
    }
  }

  // After the upload (or import) is accepted: follow processing until ready or failed.
  function follow(row, video) {
    var bar = row.querySelector("progress");
    row.dataset.videoId = video.id;
    row.querySelector(".upload-toggle").hidden = true;
    function poll() {
      api(video.url).then(function (v) {
        bar.value = v.progress;
        row.querySelector(".upload-stats").textContent = "";
        if (v.status === "ready") {
          row.dataset.status = "ready";
          setState(row, "Ready.", { href: page.dataset.storyForm + "?video_id=" + encodeURIComponent(v.id), text: "Write a story with this video" });
        } else if (v.status === "failed") {
          row.dataset.status = "failed";
          setState(row, "Processing failed: " + v.error);
        } else {
          setState(row, v.status === "queued" ? "Waiting to be processed…" : "Processing " + Math.round(v.progress * 100) + "%");
          setTimeout(poll, 1500);
        }
      }).catch(function (error) { setState(row, "Could not check the video: " + error.message); });
    }
    poll();
  }

  function start(file) {
    var row = newRow(file.name);
    var bar = row.querySelector("progress");
    var stats = row.querySelector(".upload-stats");
    var toggle = row.querySelector(".upload-toggle");
    if (file.size > maxBytes) {
      row.dataset.status = "failed";
      toggle.hidden = true;
      setState(row, "Too large: the limit is " + Math.round(maxBytes / 1048576) + " MB.");
      return;
    }
    var started = Date.now(), startBytes = 0, paused = false;
    var upload = new tus.Upload(file, {
      endpoint: page.dataset.endpoint,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
      headers: { "X-CSRF-Token": csrf },
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        bar.value = total ? sent / total : 0;
        row.dataset.progress = bar.value;
        var elapsed = (Date.now() - started) / 1000;
        var speed = elapsed > 0 ? (sent - startBytes) / elapsed : 0;
        stats.textContent = Math.round(bar.value * 100) + "% · " + (speed / 1048576).toFixed(1) + " MB/s · " +
          duration((total - sent) / speed) + " left";
      },
      onError: function (error) {
        row.dataset.status = "failed";
        setState(row, "Upload failed: " + (error.message || error));
      },
      onSuccess: function () {
        bar.value = 1;
        row.dataset.progress = 1;
        setState(row, "Uploaded; starting processing…");
        var id = upload.url.split("/").pop();
        api(page.dataset.videos, { method: "POST", headers: { "Content-Type": "application/json" },
                                    body: JSON.stringify({ upload_id: id, title: file.name }) })
          .then(function (video) {
            if (video.duplicate) {
              row.dataset.status = "duplicate";
              toggle.hidden = true;
              setState(row, "This file is already in the library.", { href: page.dataset.storyForm + "?video_id=" + encodeURIComponent(video.id), text: "Use the existing video" });
            } else {
              follow(row, video);
            }
          })
          .catch(function (error) { setState(row, "Could not create the video: " + error.message); });
      }
    });
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.textContent = paused ? "Resume" : "Pause";
      if (paused) { upload.abort(); setState(row, "Paused."); }
      else { started = Date.now(); startBytes = Number(row.dataset.progress || 0) * file.size; setState(row, ""); upload.start(); }
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  }

  var input = document.getElementById("files");
  input.addEventListener("change", function () { Array.prototype.forEach.call(input.files, start); input.value = ""; });
  var zone = page.querySelector(".drop-zone");
  zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    Array.prototype.forEach.call(event.dataTransfer.files, start);
  });

  page.querySelector(".import-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var field = document.getElementById("source-url");
    var row = newRow(field.value);
    api(page.dataset.videos, { method: "POST", headers: { "Content-Type": "application/json" },
                                body: JSON.stringify({ source_url: field.value }) })
      .then(function (video) { field.value = ""; follow(row, video); })
      .catch(function (error) { row.dataset.status = "failed"; row.querySelector(".upload-toggle").hidden = true; setState(row, error.message); });
  });
})();
