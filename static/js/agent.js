// Agent pages: the "Copy link" button and inserting a canned response into the reply box.
// A script file rather than inline handlers: the Content-Security-Policy allows no inline script.
// Listeners sit on the document, so fragments HTMX swaps in later work without re-binding.

function revealCopyButtons(root) {
  // Hidden in the markup: without this script they could not do anything.
  root.querySelectorAll("button[data-copy][hidden]").forEach((button) => { button.hidden = false; });
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a LAN address has no clipboard API: copy through a selected, off-screen field.
  const field = document.createElement("textarea");
  field.value = text;
  field.setAttribute("readonly", "");
  field.className = "visually-hidden";
  document.body.appendChild(field);
  field.select();
  document.execCommand("copy");
  field.remove();
}

function insertAtCursor(textarea, text) {
  const start = textarea.selectionStart ?? textarea.value.length;
  const end = textarea.selectionEnd ?? textarea.value.length;
  const before = textarea.value.slice(0, start);
  const glue = before && !before.endsWith("\n") ? "\n" : "";
  textarea.value = before + glue + text + textarea.value.slice(end);
  const caret = (before + glue + text).length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

document.addEventListener("click", async (event) => {
  const copy = event.target.closest("button[data-copy]");
  if (copy) {
    const status = copy.parentElement.querySelector(".copy-status");
    try {
      await copyText(copy.dataset.copy);
      if (status) status.textContent = copy.dataset.copied || "";
    } catch (error) {
      if (status) status.textContent = String(error);
    }
    return;
  }
  // A canned response in the reply box's picker: ask the server for its text with the
  // placeholders filled in for this ticket, and put it where the cursor is.
  const pick = event.target.closest("button[data-canned-fill]");
  if (pick) {
    event.preventDefault();
    const form = pick.closest("form");
    const textarea = form && form.querySelector("textarea[name=text]");
    if (!textarea) return;
    const response = await fetch(pick.dataset.cannedFill, { credentials: "same-origin", headers: { Accept: "text/plain" } });
    if (!response.ok) return;
    insertAtCursor(textarea, await response.text());
    const picker = pick.closest("details");
    if (picker) picker.open = false;
  }
});

document.addEventListener("DOMContentLoaded", () => revealCopyButtons(document));
document.addEventListener("htmx:afterSettle", () => revealCopyButtons(document));
