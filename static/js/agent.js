// The agent pages' small behaviours (the Content-Security-Policy forbids inline scripts and
// onclick attributes, so they are wired here by data attributes, also in swapped-in fragments).

// <button data-copy="#field">: copies the field's value (a permalink, the public link).
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  var text = field.value || field.textContent;
  var done = function () {
    button.setAttribute("data-copied", "true");
    setTimeout(function () { button.removeAttribute("data-copied"); }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { field.select && field.select(); });
  } else if (field.select) {  // plain http: select it, the agent presses Ctrl+C
    field.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* selected is enough */ }
  }
});

// A canned response in the reply box's picker (templates/canned/_picker.html): ask the server
// for its text with the placeholders filled in for this ticket, and put it where the cursor is.
function insertAtCursor(textarea, text) {
  var start = textarea.selectionStart == null ? textarea.value.length : textarea.selectionStart;
  var end = textarea.selectionEnd == null ? textarea.value.length : textarea.selectionEnd;
  var before = textarea.value.slice(0, start);
  var glue = before && before.slice(-1) !== "\n" ? "\n" : "";
  textarea.value = before + glue + text + textarea.value.slice(end);
  var caret = (before + glue + text).length;
  textarea.focus();
  textarea.setSelectionRange(caret, caret);
  textarea.dispatchEvent(new Event("input", { bubbles: true }));
}

document.addEventListener("click", function (event) {
  var pick = event.target.closest("button[data-canned-fill]");
  if (!pick) return;
  event.preventDefault();
  var form = pick.closest("form");
  var textarea = form && form.querySelector("textarea[name=text]");
  if (!textarea) return;
  fetch(pick.getAttribute("data-canned-fill"), { credentials: "same-origin", headers: { Accept: "text/plain" } })
    .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
    .then(function (text) {
      insertAtCursor(textarea, text);
      var picker = pick.closest("details");
      if (picker) picker.open = false;
    })
    .catch(function () { /* a ticket or response gone meanwhile: nothing to insert */ });
});
