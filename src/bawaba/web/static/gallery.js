// Progressive enhancement for the CSS scroll-snap gallery: arrow keys move between slides
// (in RTL the next slide sits to the left) and an aria-live line announces "n/N".
(function () {
  "use strict";
  document.querySelectorAll(".gallery").forEach(function (gallery) {
    var track = gallery.querySelector(".slides");
    var slides = Array.prototype.slice.call(gallery.querySelectorAll(".slide"));
    var status = gallery.querySelector(".gallery-status");
    if (!track || slides.length < 2) { return; }
    var rtl = getComputedStyle(track).direction === "rtl";
    var current = 0;

    function announce(index) {
      current = index;
      if (status) { status.textContent = (index + 1) + "/" + slides.length; }
    }

    function go(index, focus) {
      if (index < 0 || index >= slides.length) { return; }
      slides[index].scrollIntoView({ block: "nearest", inline: "start" });
      if (focus) { slides[index].focus({ preventScroll: true }); }
      announce(index);
    }

    gallery.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") { return; }
      var forward = (event.key === "ArrowLeft") === rtl;
      event.preventDefault();
      go(current + (forward ? 1 : -1), true);
    });

    gallery.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#img-']");
      if (!link) { return; }
      var index = parseInt(link.getAttribute("href").slice(5), 10) - 1;
      if (isNaN(index)) { return; }
      event.preventDefault();
      history.replaceState(null, "", link.getAttribute("href"));
      go(index, true);
    });

    if ("IntersectionObserver" in window) {
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (entry.isIntersecting && entry.intersectionRatio > 0.6) { announce(slides.indexOf(entry.target)); }
        });
      }, { root: track, threshold: [0.6] });
      slides.forEach(function (slide) { observer.observe(slide); });
    }

    var hash = window.location.hash.match(/^#img-(\d+)$/);
    if (hash) { announce(Math.min(slides.length, parseInt(hash[1], 10)) - 1); }
  });
})();
