// The ticket list: the header checkbox selects every row of the page. A script file rather than
// an onclick attribute, so the Content-Security-Policy needs no inline script. Delegated from the
// document, so it keeps working after htmx swaps #ticket-rows.
document.addEventListener("change", (event) => {
  const all = event.target.closest("#ticket-rows .select-all");
  if (!all) return;
  for (const box of document.querySelectorAll('#ticket-rows input[name="ticket"]')) {
    box.checked = all.checked;
  }
});
