/* HelpRealm's embeddable ticket form. Served as /{workspace}/widget.js with the workspace's
   texts and choices in place of the config placeholder (app/portal/widget.py). It renders the form
   into every <div data-helprealm-form> of the host page, inside a shadow root so the host's
   styles and ours do not mix, and builds every node with textContent (no HTML from data). Posts
   are form-encoded without cookies: a "simple" CORS request the server checks by its Origin. */
(function () {
  "use strict";
  var config = __HELPREALM_CONFIG__;
  var t = config.texts;
  var script = document.currentScript;
  var root = script && script.src ? new URL(script.src).origin : "";
  var CSS = ":host{all:initial;display:block;font:15px/1.4 system-ui,sans-serif;color:#1d2330}" +
    "form,.done{display:grid;gap:.7em;max-width:36em}label{display:grid;gap:.25em;font-weight:600}" +
    "input,select,textarea{font:inherit;padding:.45em;border:1px solid #9aa3b2;border-radius:4px;font-weight:400}" +
    "button{font:inherit;padding:.5em 1.2em;border:0;border-radius:4px;background:#2456c9;color:#fff;cursor:pointer;justify-self:start}" +
    "button:disabled{opacity:.6}.err{color:#b42318;font-weight:400}.msg{margin:0;color:#b42318}" +
    "h2{margin:0;font-size:1.25em}p{margin:0}";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function style(shadow) {
    if (shadow.adoptedStyleSheets !== undefined && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      var sheet = new CSSStyleSheet(); // not subject to the host page's style-src policy
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.appendChild(el("style", {}, CSS));
    }
  }

  function field(form, name, label, control) {
    var wrap = el("label", {"data-field": name});
    wrap.appendChild(el("span", {}, label));
    control.name = name;
    wrap.appendChild(control);
    var error = el("span", {"class": "err", "data-error": name, "aria-live": "polite"});
    wrap.appendChild(error);
    form.appendChild(wrap);
    return wrap;
  }

  function select(choices, selected) {
    var node = el("select");
    choices.forEach(function (c) {
      var option = el("option", {value: String(c[0])}, c[1]);
      if (String(c[0]) === String(selected)) option.selected = true;
      node.appendChild(option);
    });
    return node;
  }

  function render(host) {
    if (host.shadowRoot || host.getAttribute("data-helprealm-ready")) return;
    host.setAttribute("data-helprealm-ready", "1");
    var shadow = host.attachShadow({mode: "open"});
    style(shadow);
    var box = el("div", {"class": "helprealm"});
    shadow.appendChild(box);
    var form = el("form", {novalidate: ""});
    form.appendChild(el("h2", {}, t.title));
    if (t.intro) form.appendChild(el("p", {"class": "intro"}, t.intro));
    var message = el("p", {"class": "msg", role: "alert"});
    form.appendChild(message);
    field(form, "name", t.name, el("input", {type: "text", maxlength: "200", autocomplete: "name"}));
    field(form, "email", t.email, el("input", {type: "email", maxlength: "254", autocomplete: "email"}));
    field(form, "subject", t.subject, el("input", {type: "text", maxlength: "200"}));
    field(form, "text", t.text, el("textarea", {rows: "6", maxlength: "4096"}));
    field(form, "type", t.type, select(config.types, config.types.length ? config.types[0][0] : ""));
    field(form, "prio", t.prio, select(config.priorities, 1));
    var question = el("strong", {"data-captcha-question": ""}, "…");
    var captcha = field(form, "captcha", t.captcha, el("input", {type: "text", inputmode: "numeric", autocomplete: "off"}));
    captcha.firstChild.appendChild(document.createTextNode(" "));
    captcha.firstChild.appendChild(question);
    var token = el("input", {type: "hidden", name: "captcha_token"});
    form.appendChild(token);
    var button = el("button", {type: "submit"}, t.submit);
    form.appendChild(button);
    box.appendChild(form);

    function setCaptcha(c) {
      if (!c) return;
      question.textContent = c.question;
      token.value = c.token;
      form.elements.captcha.value = "";
    }

    function clearErrors() {
      message.textContent = "";
      Array.prototype.forEach.call(form.querySelectorAll("[data-error]"), function (n) { n.textContent = ""; });
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (n) { n.removeAttribute("aria-invalid"); });
    }

    function showErrors(fields) {
      Object.keys(fields || {}).forEach(function (name) {
        var slot = form.querySelector('[data-error="' + name + '"]');
        if (slot) {
          slot.textContent = fields[name];
          if (form.elements[name]) form.elements[name].setAttribute("aria-invalid", "true");
        } else {
          message.textContent += (message.textContent ? " " : "") + fields[name];
        }
      });
    }

    function done(answer) {
      var result = el("div", {"class": "done", role: "status"});
      result.appendChild(el("p", {"class": "number"}, "#" + answer.number));
      result.appendChild(el("p", {}, t.created));
      if (answer.awaiting_confirmation) result.appendChild(el("p", {}, t.confirm));
      box.replaceChild(result, form);
    }

    fetch(root + config.form, {credentials: "omit", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (data) { setCaptcha(data.captcha); })
      .catch(function () { message.textContent = t.unavailable; });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors();
      button.disabled = true;
      var body = new URLSearchParams(new FormData(form));
      fetch(root + config.create, {method: "POST", body: body, credentials: "omit", cache: "no-store"})
        .then(function (r) {
          return r.json().then(function (data) { return {status: r.status, data: data}; });
        })
        .then(function (answer) {
          if (answer.status === 201) return done(answer.data);
          setCaptcha(answer.data.captcha);
          if (answer.data.fields) {
            message.textContent = t.fix;
            showErrors(answer.data.fields);
          } else {
            message.textContent = answer.data.error || t.failed;
          }
        })
        .catch(function () { message.textContent = t.failed; }) // no readable answer: refused by CORS, or offline
        .then(function () { button.disabled = false; });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-helprealm-form]"), render);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
