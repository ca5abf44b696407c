// Behaviour shared by every page. Plain ES module, no inline scripts (the CSP forbids them).

function setUpMenu() {
  const toggle = document.querySelector("[data-menu-toggle]");
  const menu = document.getElementById("site-menu");
  if (!toggle || !menu) return;
  toggle.addEventListener("click", () => {
    const open = menu.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
}

// Close the «Ещё» drop-down when clicking elsewhere or pressing Escape.
function setUpMoreMenu() {
  const more = document.querySelector("[data-more]");
  if (!more) return;
  document.addEventListener("click", (event) => {
    if (more.open && !more.contains(event.target)) more.open = false;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && more.open) {
      more.open = false;
      more.querySelector("summary")?.focus();
    }
  });
}

setUpMenu();
setUpMoreMenu();

// «Показания»: «Расход по ПУ» follows the typed value ((current − previous) × ratio, RD-3), and typed values
// survive filtering and paging (kept in this tab's sessionStorage until they are sent).
function parseReading(text) {
  const cleaned = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
  if (!/^\d*\.?\d{0,3}$/.test(cleaned) || cleaned === "" || cleaned === ".") return null;
  return Math.round(parseFloat(cleaned) * 1000);
}

function formatThousandths(value) {
  const sign = value < 0 ? "−" : "";
  const magnitude = Math.abs(value);
  const whole = Math.floor(magnitude / 1000).toString().replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  const fraction = (magnitude % 1000).toString().padStart(3, "0").replace(/0+$/, "");
  return sign + whole + (fraction ? "," + fraction : "");
}

function setUpReadings() {
  const form = document.querySelector("[data-readings]");
  if (!form) return;
  const storageKey = "lkk-readings:" + (form.querySelector("input[name=contract]")?.value || "");
  let stored = {};
  try { stored = JSON.parse(sessionStorage.getItem(storageKey) || "{}"); } catch (_) { stored = {}; }
  if (form.dataset.saved === "1") { stored = {}; sessionStorage.removeItem(storageKey); }
  const update = (input) => {
    const output = document.querySelector(`[data-consumption-for="${input.id}"]`);
    if (!output) return;
    const current = parseReading(input.value);
    const previous = input.dataset.previous === "" ? null : Number(input.dataset.previous);
    // The meter's ratio, digits and rollover box are on its <tbody>, shared by its channels.
    const meter = input.closest("tbody[data-meter]")?.dataset ?? {};
    const ratio = Number(meter.ratio || "1");
    warn(input, null);
    if (current === null || previous === null) { output.textContent = "0"; return; }
    let delta = current - previous;
    const rollover = form.querySelector(`input[name="o_${meter.meter}"]`);
    if (delta < 0 && rollover && rollover.checked) delta += Math.pow(10, Number(meter.digits)) * 1000;
    if (delta < 0) {
      // Below the previous reading and not through zero: the server's own words, not a negative number.
      warn(input, form.dataset.belowPrevious);
      output.textContent = "—";
      return;
    }
    output.textContent = formatThousandths(delta * ratio);
  };
  // A warning next to the field while typing (the server's message when sent decides).
  const warn = (input, message) => {
    const id = input.id + "-warning";
    let note = document.getElementById(id);
    if (!message) {
      if (note) {
        note.remove();
        const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== id);
        if (described.length) input.setAttribute("aria-describedby", described.join(" "));
        else input.removeAttribute("aria-describedby");
      }
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "field-warning";
      input.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + id).trim());
    }
    note.textContent = message;
  };
  for (const input of form.querySelectorAll("input[data-previous]")) {
    if (stored[input.name] !== undefined && !input.disabled && !input.getAttribute("aria-invalid")) {
      input.value = stored[input.name];
    }
    update(input);
    input.addEventListener("input", () => {
      stored[input.name] = input.value;
      try { sessionStorage.setItem(storageKey, JSON.stringify(stored)); } catch (_) { /* full or disabled */ }
      update(input);
    });
  }
  for (const box of form.querySelectorAll("input[name^=o_]")) {
    box.addEventListener("change", () => {
      for (const input of form.querySelectorAll(`tbody[data-meter="${box.name.slice(2)}"] input[data-previous]`)) {
        update(input);
      }
    });
  }
  // Choosing another contract applies the filter at once.
  document.querySelector("[data-filters] select[name=contract]")?.addEventListener("change", (event) => {
    event.target.form.submit();
  });
}

setUpReadings();

// «Загрузить файлом»: the template link follows the chosen contract; «Корзина» clears the chosen file.
function setUpUpload() {
  const form = document.querySelector("[data-upload]");
  if (!form) return;
  const contract = form.querySelector("input[name=contract]");
  const template = form.querySelector("[data-template]");
  contract?.addEventListener("input", () => {
    if (!template) return;
    const number = contract.value.replace(/\D/g, "").slice(0, 14);
    template.href = template.href.split("?")[0] + "?contract=" + number;
  });
  const file = form.querySelector("input[type=file]");
  const clear = form.querySelector("[data-clear-file]");
  const name = form.querySelector("[data-file-name]");
  if (!file || !clear) return;
  // The browser's own «Choose File» gives way to the «Загрузите файл» button and the chosen file's name.
  form.classList.add("file-enhanced");
  const sync = () => {
    clear.hidden = !file.value;
    if (name) name.textContent = file.files && file.files.length ? file.files[0].name : "Файл не выбран";
  };
  file.addEventListener("change", sync);
  clear.addEventListener("click", () => { file.value = ""; sync(); file.focus(); });
  sync();
}

setUpUpload();

// «Загрузить файлом»: switching the kind, the meter or the month reloads the form for that choice (without
// a script, the «Выбрать» button does the same).
function setUpUploadChoices() {
  const form = document.querySelector("[data-upload]");
  if (!form) return;
  const choose = form.querySelector("[data-choose]");
  if (choose) choose.hidden = true;
  const reload = () => {
    const params = new URLSearchParams();
    params.set("contract", form.querySelector("input[name=contract]")?.value || "");
    const kind = form.querySelector("input[name=kind]:checked")?.value || "integral";
    params.set("kind", kind);
    if (kind !== "integral") {
      const meter = form.querySelector("select[name=meter]");
      const period = form.querySelector("select[name=period]");
      if (meter) params.set("meter", meter.value);
      if (period) params.set("period", period.value);
    }
    window.location.search = params.toString();
  };
  // A contract picked from the list may offer other kinds (hourly profiles for categories III–VI).
  const contract = form.querySelector("input[name=contract]");
  const initial = contract?.value || "";
  contract?.addEventListener("change", () => {
    if (/^\d{14}$/.test(contract.value.trim()) && contract.value.trim() !== initial) reload();
  });
  for (const radio of form.querySelectorAll("[data-kind]")) radio.addEventListener("change", reload);
  for (const select of form.querySelectorAll("[data-interval-choice]")) select.addEventListener("change", reload);
}

setUpUploadChoices();

// «Оплата»: «Оплатить» opens the payment window (without scripts it is a page); ticking documents sets the
// amount to their sum; «новой картой» offers to save the card; the chart's contract choice applies at once;
// a chart point shows its month and sum on hover or focus.
function setUpPayForm(form) {
  const amount = form.querySelector("[data-amount]");
  const boxes = form.querySelectorAll("input[data-due]");
  for (const box of boxes) {
    box.addEventListener("change", () => {
      let kopecks = 0;
      for (const other of boxes) if (other.checked) kopecks += Number(other.dataset.due);
      if (amount && kopecks > 0) {
        amount.value = Math.floor(kopecks / 100) + "," + String(kopecks % 100).padStart(2, "0");
      }
    });
  }
  const method = form.querySelector("[data-method]");
  const save = form.querySelector("[data-save-card]");
  method?.addEventListener("change", () => { if (save) save.hidden = method.value !== "new"; });
}

function setUpPayments() {
  // The window is the form's page fetched with window=1, so it always shows the current documents.
  for (const link of document.querySelectorAll("a[data-pay-window]")) {
    link.addEventListener("click", async (event) => {
      if (typeof HTMLDialogElement !== "function") return;
      event.preventDefault();
      try {
        const url = new URL(link.href);
        url.searchParams.set("window", "1");
        const response = await fetch(url, { credentials: "same-origin" });
        if (!response.ok) throw new Error(String(response.status));
        const holder = document.createElement("div");
        holder.innerHTML = await response.text();
        const dialog = holder.querySelector("dialog");
        if (!dialog) throw new Error("no window");
        document.getElementById(dialog.id)?.remove();
        (link.closest("section") || document.body).append(dialog);
        dialog.querySelector("[data-dialog-close]")?.addEventListener("click", () => dialog.close());
        for (const form of dialog.querySelectorAll("[data-pay-form]")) setUpPayForm(form);
        dialog.showModal();
      } catch (error) {
        window.location.href = link.href;
      }
    });
  }
  for (const form of document.querySelectorAll("[data-pay-form]")) setUpPayForm(form);
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.form.querySelector("[data-autosubmit-button]")?.setAttribute("hidden", "");
    select.addEventListener("change", () => select.form.submit());
  }
  let tip = null;
  const show = (point) => {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("role", "status");
      document.body.append(tip);
    }
    tip.textContent = point.dataset.label;
    const box = point.getBoundingClientRect();
    tip.style.left = `${window.scrollX + box.left + box.width / 2 - tip.offsetWidth / 2}px`;
    tip.style.top = `${window.scrollY + box.top - tip.offsetHeight - 6}px`;
    tip.hidden = false;
  };
  const hide = () => { if (tip) tip.hidden = true; };
  for (const point of document.querySelectorAll(".chart-point")) {
    point.addEventListener("mouseenter", () => show(point));
    point.addEventListener("focus", () => show(point));
    point.addEventListener("mouseleave", hide);
    point.addEventListener("blur", hide);
  }
}

setUpPayments();

// Narrow screens: every table cell carries its column's name (from the header, following row spans), which
// the style sheet shows above the value when rows become cards.
function labelTableCells() {
  for (const table of document.querySelectorAll("main table")) {
    const heads = [...table.querySelectorAll("thead tr:first-child th")].map((th) => th.textContent.trim());
    if (!heads.length) continue;
    const spans = [];
    for (const row of table.querySelectorAll("tbody tr")) {
      let column = 0;
      const skipSpanned = () => { while (spans[column] > 0) { spans[column]--; column++; } };
      for (const cell of row.cells) {
        skipSpanned();
        if (cell.colSpan === 1 && heads[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", heads[column]);
        }
        for (let k = 0; k < cell.colSpan; k++) if (cell.rowSpan > 1) spans[column + k] = cell.rowSpan - 1;
        column += cell.colSpan;
      }
      for (; column < heads.length; column++) if (spans[column] > 0) spans[column]--;
    }
    table.classList.add("cards-on-narrow");
  }
}

labelTableCells();

// The staff's notification form: only the fields of the audience «Кому» names are shown (without scripts
// all are, and only those are read).
function setUpAudienceFields() {
  const audience = document.querySelector("select[name=audience]");
  const fields = document.querySelectorAll("[data-audience-for]");
  if (!audience || !fields.length) return;
  const show = () => {
    for (const field of fields) field.hidden = !field.dataset.audienceFor.split(" ").includes(audience.value);
  };
  audience.addEventListener("change", show);
  show();
}

setUpAudienceFields();
