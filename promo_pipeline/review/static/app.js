/* Review page behaviour: live caption counters, copy buttons, confirmations.
   No inline scripts (the Content-Security-Policy forbids them); everything is wired here. */
(function () {
  "use strict";

  // X (Twitter) weighted length, as twitter-text v3 counts it: most Latin text weighs 1,
  // other characters (CJK, emoji) weigh 2, and every URL counts as 23.
  var X_URL = /(?:https?:\/\/[^\s]+)|(?:\b(?:[a-z0-9-]+\.)+(?:go\.id|co\.id|ac\.id|or\.id|id|com|net|org)(?:\/[^\s]*)?)/gi;
  var X_LIGHT = [[0x0000, 0x10ff], [0x2000, 0x200d], [0x2010, 0x201f], [0x2032, 0x2037]];

  function xWeight(cp) {
    for (var i = 0; i < X_LIGHT.length; i++) {
      if (cp >= X_LIGHT[i][0] && cp <= X_LIGHT[i][1]) { return 1; }
    }
    return 2;
  }

  function xLength(text) {
    var urls = 0;
    var rest = text.replace(X_URL, function () { urls += 1; return ""; });
    var n = urls * 23;
    for (var ch of rest) { n += xWeight(ch.codePointAt(0)); }
    return n;
  }

  // The same units as the channel registry's caption limits: utf16 (what Telegram counts, and what
  // String.length gives), weighted (X), utf8 (Threads, bytes).
  function measure(text, mode) {
    if (mode === "weighted") { return xLength(text.normalize("NFC")); }
    if (mode === "utf8") { return new TextEncoder().encode(text).length; }
    if (mode === "utf16") { return text.length; }
    return Array.from(text).length;
  }

  var HASHTAG = /(?<![\p{L}\p{N}_#&])#[\p{L}\p{N}_]+/gu;

  function formatNumber(n) {
    return n.toLocaleString("id-ID");
  }

  function updateCounter(area) {
    var counter = document.querySelector('[data-counter-for="' + area.id + '"]');
    if (!counter) { return; }
    var limit = parseInt(area.dataset.limit || "0", 10);
    var n = measure(area.value, area.dataset.mode || "chars");
    var text = formatNumber(n) + (limit ? " / " + formatNumber(limit) : "") + " karakter";
    var maxTags = parseInt(area.dataset.hashtags || "0", 10);
    if (maxTags) {
      var tags = (area.value.match(HASHTAG) || []).length;
      text += " · " + tags + "/" + maxTags + " tagar";
      counter.classList.toggle("over", tags > maxTags || (!!limit && n > limit));
    } else {
      counter.classList.toggle("over", !!limit && n > limit);
    }
    counter.classList.toggle("near", !!limit && n <= limit && n > limit * 0.9);
    counter.textContent = text;
    counter.dataset.count = String(n);
  }

  function copyText(area, button) {
    var done = function () {
      var old = button.textContent;
      button.textContent = "Tersalin ✓";
      button.disabled = true;
      setTimeout(function () { button.textContent = old; button.disabled = false; }, 1800);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(area.value).then(done, function () { fallbackCopy(area); done(); });
    } else {
      fallbackCopy(area);
      done();
    }
  }

  function fallbackCopy(area) {
    var ro = area.readOnly;
    area.readOnly = false;
    area.focus();
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* the text stays selected for Ctrl+C */ }
    area.readOnly = ro;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var dirty = false;
    document.querySelectorAll("textarea.caption-text").forEach(function (area) {
      area.dataset.original = area.value;
      updateCounter(area);
      area.addEventListener("input", function () {
        updateCounter(area);
        dirty = Array.prototype.some.call(document.querySelectorAll("textarea.caption-text"),
          function (a) { return a.value !== a.dataset.original; });
      });
    });

    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var area = document.getElementById(button.dataset.copy);
        if (area) { copyText(area, button); }
      });
    });

    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        if (!window.confirm(el.dataset.confirm)) { ev.preventDefault(); }
      });
    });

    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        if (form.classList.contains("caption-form")) { dirty = false; }
        if (form.method.toLowerCase() === "post") {
          // One click, one action: a double click must not approve or reject twice.
          setTimeout(function () {
            form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
          }, 0);
        }
      });
    });

    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form button[type=submit]").forEach(function (b) {
        if (!b.hasAttribute("aria-disabled")) { b.disabled = false; }
      });
    });

    window.addEventListener("beforeunload", function (ev) {
      if (dirty) { ev.preventDefault(); ev.returnValue = ""; }
    });
  });

  // For scripts that call the server with fetch(): the CSRF token travels in a header.
  window.promoFetch = function (url, options) {
    options = options || {};
    var meta = document.querySelector('meta[name="csrf-token"]');
    options.headers = Object.assign({}, options.headers || {}, { "X-CSRF-Token": meta ? meta.content : "" });
    options.credentials = "same-origin";
    return fetch(url, options);
  };
})();
