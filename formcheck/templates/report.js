// The report's only script, allowed by its hash in the page's Content-Security-Policy.
// A click (or Enter/Space on a button) on anything with data-seek plays the video from there;
// a key frame's button opens it enlarged in the <dialog>, which Esc or a click closes.
"use strict";
(() => {
  const video = document.getElementById("film");
  const box = document.getElementById("lightbox");
  document.addEventListener("click", (event) => {
    const zoom = event.target.closest("button.zoom");
    if (zoom && box) {
      const image = zoom.querySelector("img");
      box.querySelector("img").src = image.src;
      box.querySelector("img").alt = image.alt;
      box.querySelector("p").textContent = image.alt;
      box.showModal();
      return;
    }
    const seek = event.target.closest("[data-seek]");
    if (seek && video) {
      video.currentTime = Number(seek.dataset.seek);
      video.play().catch(() => {});
      video.scrollIntoView({ block: "nearest" });
    }
  });
  if (box) {
    box.addEventListener("click", () => box.close());
  }
})();
