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
