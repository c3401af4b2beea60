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

// The workspace's background (system settings): the layout names it in data attributes, and it is
// set here because the Content-Security-Policy refuses inline styles (script-set styles are fine).
(function () {
  var body = document.body;
  var image = body.getAttribute("data-background-image");
  var colour = body.getAttribute("data-background-colour");
  if (image) {
    body.style.backgroundImage = "url(\"" + image.replace(/["\\]/g, "") + "\")";
  } else if (colour && /^#[0-9a-fA-F]{6}$/.test(colour)) {
    body.style.backgroundColor = colour;
  }
})();
