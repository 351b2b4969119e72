// Huitong's small layer of behaviour: drawer, keyboard shortcuts, unsaved-changes warning, type-ahead widgets.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-drawer-toggle]")) document.body.classList.toggle("drawer-open");
  });
  document.addEventListener("keydown", function (event) {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing) {
      const box = document.getElementById("global-search");
      if (box) { event.preventDefault(); box.focus(); }
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target.closest("form");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });

  // Unsaved changes: a form marked data-warn-unsaved asks before the page is left with edits in it.
  let dirty = null;
  document.addEventListener("input", function (event) {
    const form = event.target.closest("form[data-warn-unsaved]");
    if (form) dirty = form;
  });
  document.addEventListener("submit", function () { dirty = null; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && document.body.contains(dirty)) { event.preventDefault(); event.returnValue = ""; }
  });

  function enhance(root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select[data-lookup]:not(.tomselected)").forEach(function (select) {
      new TomSelect(select, {
        valueField: "id", labelField: "title", searchField: ["title"], maxOptions: 20, preload: "focus",
        load: function (query, callback) {
          fetch(select.dataset.lookup + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
            .then(function (r) { return r.json(); }).then(function (body) { callback(body.results); })
            .catch(function () { callback(); });
        },
      });
    });
    root.querySelectorAll("select[data-enhance]:not(.tomselected)").forEach(function (select) {
      new TomSelect(select, { plugins: select.multiple ? ["remove_button"] : [] });
    });
    root.querySelectorAll("[data-sortable]").forEach(function (list) {
      if (window.Sortable && !list.dataset.sortableReady) {
        list.dataset.sortableReady = "1";
        Sortable.create(list, { handle: "[data-drag-handle]", animation: 150 });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhance(event.target); });

  window.globalSearch = function () {
    return { open: false, close: function () { this.open = false; } };
  };
})();

// Settings: rows added from a <template>, removed, or moved with buttons (beside dragging), and API names from labels.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    const adder = event.target.closest("[data-add-row]");
    if (adder) {
      const template = document.querySelector(adder.dataset.addRow);
      const list = document.querySelector(adder.dataset.target);
      if (template && list) {
        list.appendChild(template.content.cloneNode(true));
        const input = list.lastElementChild && list.lastElementChild.querySelector("input:not([type=hidden])");
        if (input) input.focus();
      }
      return;
    }
    const remover = event.target.closest("[data-remove-row]");
    if (remover) { remover.closest("[data-row]").remove(); return; }
    const mover = event.target.closest("[data-move]");
    if (mover) {
      const row = mover.closest("[data-row]");
      const other = mover.dataset.move === "up" ? row.previousElementSibling : row.nextElementSibling;
      if (other) {
        row.parentNode.insertBefore(row, mover.dataset.move === "up" ? other : other.nextSibling);
        mover.focus();
      }
    }
  });
  // The same rule as the server's: lower-case ASCII letters, digits and _, starting with a letter.
  window.huitongSlug = function (text) {
    let name = (text || "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (name && !/^[a-z]/.test(name)) name = "n_" + name;
    return name.slice(0, 60);
  };
  // Rich text fields: a small editor (bold, italic, lists, links) whose HTML goes with the form in a hidden
  // textarea; the server cleans it again on every write.
  document.querySelectorAll("[data-rich-editor]").forEach(function (editor) {
    const area = editor.querySelector(".rich-editor-area");
    const field = editor.querySelector("textarea");
    if (!area || !field) return;
    const sync = function () { field.value = area.innerText.trim() ? area.innerHTML : ""; };
    area.addEventListener("input", sync);
    editor.querySelectorAll("[data-command]").forEach(function (button) {
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the selection
      button.addEventListener("click", function () {
        let argument = null;
        if (button.dataset.command === "createLink") {
          argument = window.prompt(button.dataset.prompt || "https://", "https://");
          if (!argument || !/^(https?:|mailto:)/i.test(argument)) return;
        }
        area.focus();
        document.execCommand(button.dataset.command, false, argument);
        sync();
      });
    });
    const form = editor.closest("form");
    if (form) form.addEventListener("submit", sync);
  });
})();
