// The upload page: several files at once (or a link import), each followed through processing to a
// "write a story" link. The uploader itself is static/studio-uploader.js.
(function () {
  "use strict";
  window.StudioUploader.mount(document.querySelector(".upload-page .uploader"));
})();
