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
