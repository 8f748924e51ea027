// The studio's uploader, shared by the upload page and the story pages' video picker: tus uploads
// (chunked, retried, resumable after a dropped connection, a locked phone screen or a reload), a
// progress bar with speed and time left, pause/resume, link imports, then the processing progress.
// window.StudioUploader.mount(box, hooks) wires one .uploader box (templates/studio/_uploader.html);
// with hooks.onVideo the caller takes each accepted video (the picker attaches it to the story).
(function () {
  "use strict";
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrf = csrfMeta ? csrfMeta.content : "";
  var STALLED_MS = 3000;

  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRF-Token": csrf }, options.headers || {});
    return fetch(url, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error((body.error && body.error.message) || response.statusText);
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function postJson(url, data) {
    return api(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
  }

  function duration(seconds) {
    if (!isFinite(seconds)) return "…";
    var s = Math.round(seconds);
    return s >= 60 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : s + " s";
  }

  // A locked phone freezes the page: requests in flight hang or fail. Back on the page (or back
  // online), each unfinished upload restarts; tus asks the server for its offset and goes on from there.
  var jobs = [];
  function wake() {
    if (document.visibilityState !== "visible") return;
    jobs.forEach(function (job) { job.wake(); });
  }
  document.addEventListener("visibilitychange", wake);
  window.addEventListener("online", wake);
  window.addEventListener("pageshow", function (event) { if (event.persisted) wake(); });

  function mount(box, hooks) {
    hooks = hooks || {};
    var list = box.querySelector(".upload-list");
    var rowTemplate = box.querySelector("#upload-row");
    var maxBytes = Number(box.dataset.maxBytes);
    var input = box.querySelector("input[type=file]");

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

    function storyLink(video, text) {
      return { href: box.dataset.storyForm + "?video_id=" + encodeURIComponent(video.id), text: text };
    }

    // After the upload (or import) is accepted: hand it over, or follow processing until ready or failed.
    function accepted(row, video) {
      row.dataset.videoId = video.id;
      row.querySelector(".upload-toggle").hidden = true;
      if (hooks.onVideo) {
        row.dataset.status = video.duplicate ? "duplicate" : "attached";
        setState(row, video.duplicate ? "Already in the library; attached." : "Uploaded and attached; processing…");
        hooks.onVideo(video);
      } else if (video.duplicate) {
        row.dataset.status = "duplicate";
        setState(row, "This file is already in the library.", storyLink(video, "Use the existing video"));
      } else {
        follow(row, video);
      }
    }

    function follow(row, video) {
      var bar = row.querySelector("progress");
      window.StudioStatus.follow(video.url, function (v) {
        bar.value = v.progress;
        row.querySelector(".upload-stats").textContent = "";
        if (!v.active) row.dataset.status = v.status;
        setState(row, v.status_text, v.active || !v.playable ? null : storyLink(v, "Write a story with this video"));
      }, { every: 1500, onError: function (error) { setState(row, "Could not check the video: " + error.message); } });
    }

    function start(file) {
      dropUnfinished(file);
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
      var started = Date.now(), startBytes = 0, sentBytes = 0;
      var job = { paused: false, done: false, interrupted: false, lastProgress: Date.now() };
      var upload = new tus.Upload(file, {
        endpoint: box.dataset.endpoint,
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
        metadata: { filename: file.name, filetype: file.type || "application/octet-stream" },
        headers: { "X-CSRF-Token": csrf },
        storeFingerprintForResuming: true,
        removeFingerprintOnSuccess: true,
        onUploadUrlAvailable: function () { row.dataset.uploadUrl = upload.url; },
        onProgress: function (sent, total) {
          job.lastProgress = Date.now();
          sentBytes = sent;
          bar.value = total ? sent / total : 0;
          row.dataset.progress = bar.value;
          var elapsed = (Date.now() - started) / 1000;
          var speed = elapsed > 0 ? (sent - startBytes) / elapsed : 0;
          stats.textContent = Math.round(bar.value * 100) + "% · " + (speed / 1048576).toFixed(1) + " MB/s · " +
            duration((total - sent) / speed) + " left";
        },
        onError: function (error) {
          job.interrupted = true;
          if (document.visibilityState !== "visible" || !navigator.onLine) {
            setState(row, "Connection lost; the upload goes on when you are back.");
            return;
          }
          row.dataset.status = "failed";
          toggle.textContent = "Retry";
          setState(row, "Upload failed: " + (error.message || error));
        },
        onSuccess: function () {
          job.done = true;
          bar.value = 1;
          row.dataset.progress = 1;
          setState(row, "Uploaded; starting processing…");
          postJson(box.dataset.videos, { upload_id: upload.url.split("/").pop(), title: file.name })
            .then(function (video) { accepted(row, video); })
            .catch(function (error) { setState(row, "Could not create the video: " + error.message); });
        }
      });
      function resume() {
        job.interrupted = false;
        job.lastProgress = Date.now();
        started = Date.now();
        startBytes = sentBytes;
        delete row.dataset.status;
        upload.start();
      }
      job.wake = function () {
        if (job.done || job.paused) return;
        if (job.interrupted) { setState(row, "Resuming…"); resume(); }
        else if (Date.now() - job.lastProgress > STALLED_MS) upload.abort().then(resume);
      };
      jobs.push(job);
      toggle.addEventListener("click", function () {
        if (job.interrupted) { toggle.textContent = "Pause"; setState(row, ""); resume(); return; }
        job.paused = !job.paused;
        toggle.textContent = job.paused ? "Resume" : "Pause";
        if (job.paused) { upload.abort(); setState(row, "Paused."); }
        else { setState(row, ""); resume(); }
      });
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          row.dataset.resumedFrom = previous[0].uploadUrl;
          setState(row, "Resuming the earlier upload…");
          upload.resumeFromPreviousUpload(previous[0]);
        }
        upload.start();
      });
    }

    // Uploads a reload (or a phone that dropped the tab) cut short: choosing the same file resumes them.
    function showUnfinished() {
      if (!window.tus || !tus.defaultOptions.urlStorage) return;
      tus.defaultOptions.urlStorage.findAllUploads().then(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.uploadUrl || entry.uploadUrl.indexOf(box.dataset.endpoint) < 0) return;
          var name = (entry.metadata && entry.metadata.filename) || "A file";
          var row = newRow(name);
          row.dataset.status = "unfinished";
          row.dataset.unfinished = name + "\n" + entry.size;
          row.querySelector(".upload-toggle").hidden = true;
          row.querySelector("progress").hidden = true;
          setState(row, "Unfinished upload: choose the same file again to resume it.");
        });
      });
    }

    function dropUnfinished(file) {
      list.querySelectorAll(".upload-row[data-status=unfinished]").forEach(function (row) {
        if (row.dataset.unfinished === file.name + "\n" + file.size) row.remove();
      });
    }

    input.addEventListener("change", function () { Array.prototype.forEach.call(input.files, start); input.value = ""; });
    var zone = box.querySelector(".drop-zone");
    zone.addEventListener("dragover", function (event) { event.preventDefault(); zone.classList.add("dragging"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      Array.prototype.forEach.call(event.dataTransfer.files, start);
    });

    var field = box.querySelector("#source-url");
    function importLink() {
      if (!field.value || !field.checkValidity()) { field.reportValidity(); return; }
      var row = newRow(field.value);
      postJson(box.dataset.videos, { source_url: field.value })
        .then(function (video) { field.value = ""; accepted(row, video); })
        .catch(function (error) { row.dataset.status = "failed"; row.querySelector(".upload-toggle").hidden = true; setState(row, error.message); });
    }
    box.querySelector(".import-button").addEventListener("click", importLink);
    // Enter in the link field imports; inside the story form it must not submit the story.
    field.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); importLink(); }
    });
    showUnfinished();
  }

  window.StudioUploader = { mount: mount, api: api };
})();
