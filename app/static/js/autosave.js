// Autosave for long forms: every 30 seconds when something changed, and when the page is hidden or left.
// The form works without this script (its Save draft button); the script only saves more often. The status
// line it writes to ("Saving…", "Draft saved automatically at …", "Not saved: …") stays in sight at the top.
// Its words come translated from the form's data-autosave-* attributes (the template sets them); "{time}" and
// "{reason}" in them are replaced here.
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
  var saving = null; // the save in flight, if any
  var stopped = false;

  // The words of the status line, in the page's language.
  function words(name) {
    return form.getAttribute("data-autosave-" + name) || "";
  }

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function (event) {
    if (saving && !stopped) {
      // A save is on its way: wait for it, so that this submission carries the version it returns.
      event.preventDefault();
      var submitter = event.submitter;
      stopped = true;
      saving.then(function () {
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          form.submit();
        }
      });
      return;
    }
    stopped = true;
  });

  // Resolves to true once nothing typed is left unsaved, false when a save failed (its reason is shown).
  function save(leaving) {
    if (saving) {
      return saving.then(function () { return save(leaving); });
    }
    if (!dirty || stopped) {
      return Promise.resolve(!dirty);
    }
    var data = new FormData(form);
    data.set("action", "save");
    dirty = false;
    say(words("saving"));
    // keepalive lets the request finish when the page is being left; when the page stays (a tab switch)
    // the answer still updates the version, so the next save does not conflict with this one.
    saving = fetch(url, { method: "POST", body: data, credentials: "same-origin", keepalive: leaving })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        saving = null;
        if (result.ok && result.body.saved) {
          versionField.value = String(result.body.version);
          say(words("saved").replace("{time}", result.body.at));
          return !dirty;
        }
        dirty = true;
        say(words("failed").replace("{reason}", result.body.message || words("fallback")));
        if (result.body.conflict) {
          stopped = true;
        }
        return false;
      })
      .catch(function () {
        saving = null;
        dirty = true;
        say(words("offline"));
        return false;
      });
    return saving;
  }

  // A link followed with unsaved changes (to another section, the task list, the person): save first, and
  // stay on the page if the save fails, so that nothing typed is lost by moving between pages.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || !dirty || stopped || event.defaultPrevented || event.button !== 0 || event.metaKey ||
        event.ctrlKey || event.shiftKey || event.altKey || link.target || link.getAttribute("href").charAt(0) === "#") {
      return;
    }
    event.preventDefault();
    save(false).then(function (saved) {
      if (saved) {
        window.location.href = link.href;
      }
    });
  });

  window.setInterval(function () { save(false); }, 30000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      save(true);
    }
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
