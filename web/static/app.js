// claimwatch: keyboard shortcuts and small conveniences. No framework, no network of its own.
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function submitDecision(value) {
    var form = document.getElementById("decide-form");
    if (!form) return;
    document.getElementById("decision").value = value;
    form.submit();
  }

  // Decision buttons set the hidden "decision" field before their form is sent.
  document.querySelectorAll("button[data-decision]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.getElementById("decision").value = button.dataset.decision;
    });
  });

  var duplicate = document.getElementById("duplicate-of");
  if (duplicate) {
    duplicate.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        submitDecision("duplicate_of");
      } else if (event.key === "Escape") {
        duplicate.blur();
      }
    });
  }

  var selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  var decisions = { m: "misleading", a: "accurate", e: "needs_expert", o: "out_of_scope" };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var key = event.key;
    if (decisions[key] && document.getElementById("decide-form")) {
      event.preventDefault();
      submitDecision(decisions[key]);
    } else if (key === "d" && duplicate) {
      event.preventDefault();
      duplicate.focus();
    } else if (key === "u" && document.getElementById("undo-form")) {
      event.preventDefault();
      document.getElementById("undo-form").submit();
    } else if (key === "n") {
      var next = document.getElementById("take-next");
      if (next) { event.preventDefault(); next.form.submit(); }
    } else if (key === "p" && document.getElementById("previous-link")) {
      event.preventDefault();
      window.location.href = document.getElementById("previous-link").href;
    } else if (/^[1-9]$/.test(key)) {
      var boxes = document.querySelectorAll(".snippet-choice input[type=checkbox]");
      var box = boxes[Number(key) - 1];
      if (box) { event.preventDefault(); box.checked = !box.checked; }
    }
  });
})();
