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

    // The image viewer: the strip switches the main image in place (the links still work
    // without scripts), "Perbesar" shows it at its natural size in a scrolling frame.
    var stage = document.getElementById("stage");
    var mainImage = document.getElementById("main-image");
    var zoom = document.getElementById("zoom");
    function setZoom(on) {
      if (!stage || !zoom) { return; }
      stage.classList.toggle("zoomed", on);
      zoom.setAttribute("aria-pressed", on ? "true" : "false");
      zoom.textContent = on ? "Perkecil" : "Perbesar";
    }
    if (zoom) {
      zoom.addEventListener("click", function () { setZoom(!stage.classList.contains("zoomed")); });
    }
    if (mainImage) {
      mainImage.addEventListener("click", function () { setZoom(!stage.classList.contains("zoomed")); });
    }
    document.querySelectorAll(".strip-item").forEach(function (item, index, all) {
      item.addEventListener("click", function (ev) {
        if (!mainImage || item.dataset.video === "1" || ev.ctrlKey || ev.metaKey) { return; }
        ev.preventDefault();
        mainImage.src = item.dataset.full;
        if (item.dataset.width) {
          mainImage.setAttribute("width", item.dataset.width);
          mainImage.setAttribute("height", item.dataset.height);
        }
        mainImage.alt = item.dataset.label + ": gambar " + (index + 1) + " dari " + all.length;
        var label = document.getElementById("main-label");
        if (label) { label.textContent = item.dataset.label; }
        var full = document.getElementById("open-full");
        if (full) { full.href = item.dataset.full; }
        var one = document.getElementById("download-one");
        if (one) { one.href = item.dataset.download; }
        all.forEach(function (other) { other.removeAttribute("aria-current"); });
        item.setAttribute("aria-current", "true");
        setZoom(false);
        history.replaceState(null, "", item.getAttribute("href"));
      });
    });

    // Captions open at a readable height; "Tampilkan seluruhnya" fits the box to the text.
    document.querySelectorAll("[data-expand]").forEach(function (button) {
      var area = document.getElementById(button.dataset.expand);
      if (!area) { return; }
      button.addEventListener("click", function () {
        var open = !area.classList.contains("expanded");
        area.classList.toggle("expanded", open);
        area.style.height = open ? (area.scrollHeight + 4) + "px" : "";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.textContent = open ? "Ringkas" : "Tampilkan seluruhnya";
      });
      area.addEventListener("input", function () {
        if (area.classList.contains("expanded")) {
          area.style.height = "auto";
          area.style.height = (area.scrollHeight + 4) + "px";
        }
      });
    });

    // The floating decision bar steps aside while the decision card itself is on screen.
    var bar = document.querySelector(".decision-bar");
    var card = document.getElementById("tindakan");
    if (bar && card && "IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        entries.forEach(function (e) { bar.classList.toggle("is-hidden", e.intersectionRatio > 0.6); });
      }, { threshold: [0, 0.6, 1] }).observe(card);
    }

    // The skip link moves the keyboard focus to the decision itself.
    document.querySelectorAll(".skip-link").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        var target = document.querySelector(link.getAttribute("href"));
        var first = target && target.querySelector("button:not([disabled]), textarea");
        if (first) { ev.preventDefault(); target.scrollIntoView({ block: "center" }); first.focus(); }
      });
    });

    // A video being made in the background: ask its status every few seconds, then open the
    // post again (its new video shown, the result as a message).
    var renderStatus = document.getElementById("render-status");
    if (renderStatus && window.fetch) {
      var failures = 0;
      var poll = function () {
        fetch(renderStatus.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
          .then(function (data) {
            failures = 0;
            if (data.running && data.running.length) { setTimeout(poll, 2000); return; }
            var done = (data.finished || []).filter(function (j) { return j.state === "done" && j.shown !== null; });
            var url = renderStatus.dataset.postUrl;
            if (done.length) { url += "?gambar=" + (done[0].shown + 1); }
            if (window.location.pathname + window.location.search === url) {
              window.location.hash = "gambar";
              window.location.reload();
            } else {
              window.location.assign(url + "#gambar");
            }
          })
          .catch(function () {
            failures += 1;
            if (failures < 10) { setTimeout(poll, 2000 * failures); } else { window.location.reload(); }
          });
      };
      setTimeout(poll, 1500);
    }

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
