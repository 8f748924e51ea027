// Studio video page: pick the poster from the current frame; make a social cut (1:1 or 9:16,
// captions burned in) and offer its download; follow automatic captioning, re-run it, and mark an
// automatic track reviewed; set in/out points (buttons, keys i and o), preview the range, save it
// as a new clip or trim to it; edit chapters.
(function () {
  "use strict";
  var page = document.querySelector(".video-page");
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  // One way to call the video's API with the session: JSON in, {ok, body} out.
  function send(method, path, body) {
    return fetch(page.dataset.videoUrl + path, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (answer) { return { ok: r.ok, body: answer }; }); });
  }
  var useFrame = page.querySelector(".use-frame");
  if (useFrame) {
    useFrame.addEventListener("click", function () {
      var time = Math.round(page.querySelector("video").currentTime * 1000) / 1000;
      var state = page.querySelector(".poster-state");
      send("POST", "/poster", { time: time }).then(function (result) {
        state.textContent = result.ok ? "The poster is being made from second " + time + "." : result.body.error.message;
        page.dataset.posterTime = result.ok ? String(time) : "";
      });
    });
  }

  var ranges = page.querySelector(".range-editor");
  var player = page.querySelector("video");
  if (ranges && player) setupRange(ranges, player);
  var untrim = page.querySelector(".untrim");
  if (untrim) {
    untrim.addEventListener("click", function () {
      send("DELETE", "/trim").then(function (result) {
        page.querySelector(".range-state").textContent = result.ok
          ? "The whole original is being processed again; reload the page in a moment." : result.body.error.message;
      });
    });
  }
  var chapterEditor = page.querySelector(".chapter-editor");
  if (chapterEditor) setupChapters(chapterEditor, player);

  function setupRange(box, video) {
    var inField = box.querySelector(".range-in"), outField = box.querySelector(".range-out");
    var state = box.querySelector(".range-state");
    function now() { return Math.round(video.currentTime * 1000) / 1000; }
    function setIn() { inField.value = now(); state.textContent = "In point: " + inField.value + " s."; }
    function setOut() { outField.value = now(); state.textContent = "Out point: " + outField.value + " s."; }
    function range() { return { start: Number(inField.value), end: Number(outField.value) }; }
    box.querySelector(".set-in").addEventListener("click", setIn);
    box.querySelector(".set-out").addEventListener("click", setOut);
    document.addEventListener("keydown", function (event) {
      if (event.altKey || event.ctrlKey || event.metaKey || /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) return;
      if (event.key === "i") { setIn(); event.preventDefault(); }
      if (event.key === "o") { setOut(); event.preventDefault(); }
    });
    var stopAt = null;
    video.addEventListener("timeupdate", function () {
      if (stopAt !== null && video.currentTime >= stopAt) { video.pause(); stopAt = null; }
    });
    box.querySelector(".preview-range").addEventListener("click", function () {
      video.currentTime = range().start;
      stopAt = range().end;
      video.play();
    });
    box.querySelector(".save-clip").addEventListener("click", function () {
      var body = range();
      var title = box.querySelector(".clip-title").value.trim();
      if (title) body.title = title;
      state.textContent = "Saving the clip…";
      send("POST", "/clips", body).then(function (result) {
        if (!result.ok) { state.textContent = result.body.error.message; return; }
        state.textContent = "The clip is being made: ";
        var link = document.createElement("a");
        link.href = box.dataset.studioVideo.replace("VIDEO_ID", result.body.id);
        link.className = "new-clip";
        link.textContent = "open the new clip";
        state.appendChild(link);
      });
    });
    box.querySelector(".trim-video").addEventListener("click", function () {
      state.textContent = "Trimming…";
      send("POST", "/trim", range()).then(function (result) {
        state.textContent = result.ok ? "The video is being trimmed (the original is kept); reload the page in a moment."
          : result.body.error.message;
      });
    });
  }

  function setupChapters(box, video) {
    var rows = box.querySelector(".chapter-table tbody");
    var state = box.querySelector(".chapter-state");
    function addRow(start, title) {
      var row = document.createElement("tr");
      var number = rows.children.length + 1;
      row.innerHTML = "<td><input type=number min=0 step=0.01 class=chapter-start></td>" +
        "<td><input type=text maxlength=100 class=chapter-title></td><td><button type=button class=remove-chapter>Remove</button></td>";
      row.querySelector(".chapter-start").value = start;
      row.querySelector(".chapter-start").setAttribute("aria-label", "Start of chapter " + number + " (seconds)");
      row.querySelector(".chapter-title").value = title;
      row.querySelector(".chapter-title").setAttribute("aria-label", "Title of chapter " + number);
      row.querySelector(".remove-chapter").setAttribute("aria-label", "Remove chapter " + number);
      row.querySelector(".remove-chapter").addEventListener("click", function () { row.remove(); });
      rows.appendChild(row);
    }
    function show(chapters) {
      rows.textContent = "";
      chapters.forEach(function (c) { addRow(c.start, c.title); });
    }
    function save(body) {
      send("PUT", "/chapters", body).then(function (result) {
        if (!result.ok) { state.textContent = result.body.error.message; return; }
        show(result.body.chapters);
        state.textContent = "Saved " + result.body.chapters.length + " chapters.";
        box.dataset.saved = String(result.body.chapters.length);
      });
    }
    show(JSON.parse(box.dataset.chapters || "[]"));
    box.querySelector(".add-chapter").addEventListener("click", function () {
      addRow(video ? Math.round(video.currentTime * 100) / 100 : 0, "");
      rows.lastElementChild.querySelector(".chapter-title").focus();
    });
    box.querySelector(".save-chapters").addEventListener("click", function () {
      var chapters = Array.prototype.map.call(rows.children, function (row) {
        return { start: Number(row.querySelector(".chapter-start").value), title: row.querySelector(".chapter-title").value };
      }).sort(function (a, b) { return a.start - b.start; });
      save({ chapters: chapters });
    });
    box.querySelector(".use-lines").addEventListener("click", function () {
      save({ description: box.querySelector(".chapter-lines").value });
    });
  }

  var logoBox = page.querySelector(".burn-logo");
  page.querySelectorAll(".social-cut").forEach(function (box) {
    var aspect = box.dataset.aspect;
    var state = box.querySelector(".cut-state");
    var link = box.querySelector(".download-cut");
    function poll(tries) {
      var before = link.getAttribute("href");
      function made(video) { var url = video.social_cuts[aspect]; return url && url !== before ? url : null; }
      window.StudioStatus.follow(page.dataset.videoUrl, function (video) {
        var url = made(video), error = video.edit_errors.social_cut;
        tries -= 1;
        if (url) {
          link.href = url; link.hidden = false; state.textContent = "Ready.";
        } else if (error || tries <= 0) {
          state.textContent = error || "Still working; reload later.";
        }
      }, { every: 1500, keepGoing: function (video) {
        return tries > 0 && !video.edit_errors.social_cut && !made(video);
      } });
    }
    box.querySelector(".make-cut").addEventListener("click", function () {
      state.textContent = "Making the " + aspect + " cut…";
      link.removeAttribute("href");
      link.hidden = true;
      send("POST", "/social-cut", { aspect: aspect, logo: Boolean(logoBox && logoBox.checked) })
        .then(function (result) { if (!result.ok) throw new Error("refused"); poll(80); })
        .catch(function () { state.textContent = "The cut could not be started."; });
    });
  });
  var captioning = page.querySelector(".captioning");
  function followCaptioning(wait) {
    window.StudioStatus.follow(page.dataset.videoUrl, function (video) {
      if (!video.captioning_active && video.captions.length !== Number(captioning.dataset.tracks)) {
        location.reload();  // the new tracks
        return;
      }
      var bar = captioning.querySelector(".captioning-progress");
      bar.hidden = !video.captioning_active;
      bar.value = video.captioning ? video.captioning.progress : 0;
      var text = captioning.querySelector(".captioning-text");
      text.textContent = video.captioning_text || "";
      text.classList.toggle("form-error", Boolean(video.captioning && video.captioning.error));
    }, { wait: wait, keepGoing: function (video) { return video.captioning_active; } });
  }
  if (captioning && captioning.dataset.active === "true") followCaptioning(2000);
  var rerun = page.querySelector(".rerun-captions");
  if (rerun) {
    rerun.addEventListener("click", function () {
      rerun.disabled = true;
      send("POST", "/captions/auto", {}).then(function () { followCaptioning(1000); });
    });
  }
  page.querySelectorAll(".review-track").forEach(function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      send("POST", "/captions/" + encodeURIComponent(button.dataset.lang) + "/review", {})
        .then(function (result) { if (result.ok) location.reload(); else button.disabled = false; });
    });
  });
})();
