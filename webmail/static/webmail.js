// Mismo Mail: small enhancements; every page works without them.
// - keyboard shortcuts: j/k move through the list, o (or Enter) opens,
//   c composes, r/a/f reply, reply all, forward, # deletes;
// - list rows open their message when clicked anywhere;
// - compose uploads show a progress bar.
(function () {
  "use strict";

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.messages tbody tr"));
  }

  function current() {
    return document.querySelector("table.messages tr.current");
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current());
    var next = all[Math.min(all.length - 1, Math.max(0, i + step))];
    if (i < 0) next = all[0];
    all.forEach(function (r) { r.classList.remove("current"); });
    next.classList.add("current");
    next.scrollIntoView({ block: "nearest" });
  }

  function click(selector) {
    var el = document.querySelector(selector);
    if (el) el.click();
    return !!el;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) return;
    var row = current();
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": case "Enter":
        if (!row) return;
        window.location = row.getAttribute("data-href");
        break;
      case "c": window.location = "/compose"; break;
      case "r": if (!click('[data-key="r"]')) return; break;
      case "a": if (!click('[data-key="a"]')) return; break;
      case "f": if (!click('[data-key="f"]')) return; break;
      case "#":
        if (row) {
          var box = row.querySelector('input[name="id"]');
          if (box) box.checked = true;
          click('[data-action="delete"]');
        } else if (!click('[data-key="#"]')) {
          return;
        }
        break;
      default: return;
    }
    e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("table.messages tbody tr");
    if (!row || e.target.closest("a, input, button, label")) return;
    window.location = row.getAttribute("data-href");
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id !== "compose" || !window.FormData || !window.XMLHttpRequest) return;
    var files = form.querySelector('input[type="file"]');
    if (!files || !files.files.length) return;
    e.preventDefault();
    var data = new FormData(form);
    if (e.submitter && e.submitter.name) data.set(e.submitter.name, e.submitter.value);
    var bar = document.getElementById("upload-progress");
    bar.hidden = false;
    var xhr = new XMLHttpRequest();
    // Not form.action: the submit buttons are named "action" and shadow it.
    xhr.open("POST", form.getAttribute("action"));
    xhr.upload.onprogress = function (p) {
      if (p.lengthComputable) bar.value = Math.round((p.loaded / p.total) * 100);
    };
    xhr.onload = function () {
      if (xhr.status < 400 && xhr.responseURL) {
        window.location = xhr.responseURL;
      } else {
        document.open();
        document.write(xhr.responseText);
        document.close();
      }
    };
    xhr.onerror = function () {
      bar.hidden = true;
      alert("The message could not be sent; check your connection and try again.");
    };
    xhr.send(data);
  });
})();
