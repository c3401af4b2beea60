// The public page's dialogs (FAQ, "Open ticket"): buttons say which dialog they open or close.
// A script file rather than onclick attributes, so the Content-Security-Policy needs no inline script.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-open-dialog]");
  if (opener) {
    document.getElementById(opener.dataset.openDialog)?.showModal();
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog")?.close();
  }
});

// The workspace's background (system settings): the layout names it in #portal-background's data
// attributes, and it is set here because the Content-Security-Policy refuses inline styles
// (styles set by a script are fine).
(function () {
  var body = document.body;
  var source = document.getElementById("portal-background");
  if (!source) return;
  var image = source.getAttribute("data-image");
  var colour = source.getAttribute("data-colour");
  if (image) {
    body.classList.add("has-background-image");
    body.style.backgroundImage = "url(\"" + image.replace(/["\\]/g, "") + "\")";
  } else if (colour && /^#[0-9a-fA-F]{6}$/.test(colour)) {
    body.style.backgroundColor = colour;
  }
})();
