// "Copy link" copies instead of navigating when the Clipboard API is available.
document.querySelectorAll("[data-copy]").forEach(function (link) {
  link.addEventListener("click", function (event) {
    if (!navigator.clipboard) return;
    event.preventDefault();
    navigator.clipboard.writeText(link.dataset.copy).then(function () {
      link.textContent = "Link copied";
      setTimeout(function () { link.textContent = "Copy link"; }, 2000);
    });
  });
});
