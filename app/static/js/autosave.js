// Autosave for long forms: every 30 seconds when something changed, and when the page is hidden or left.
// The form works without this script (its Save draft button); the script only saves more often.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-autosave-url");
  var status = form.querySelector("[data-autosave-status]");
  var versionField = form.querySelector("input[name=version]");
  var dirty = false;
  var saving = false;
  var stopped = false;

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { stopped = true; });

  function save(leaving) {
    if (!dirty || saving || stopped) {
      return;
    }
    var data = new FormData(form);
    data.set("action", "save");
    saving = true;
    dirty = false;
    // keepalive lets the request finish when the page is being left; when the page stays (a tab switch)
    // the answer still updates the version, so the next save does not conflict with this one.
    fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: leaving })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        saving = false;
        if (result.ok && result.body.saved) {
          versionField.value = String(result.body.version);
          say("Draft saved automatically at " + result.body.at + " UTC.");
        } else {
          dirty = true;
          say(result.body.message || "Not saved automatically; use Save draft.");
          if (result.body.conflict) {
            stopped = true;
          }
        }
      })
      .catch(function () {
        saving = false;
        dirty = true;
        say("Could not reach the server; your text is still here. Use Save draft when you can.");
      });
  }

  window.setInterval(function () { save(false); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
