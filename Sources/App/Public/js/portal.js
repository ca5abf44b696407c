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
    const ratio = Number(input.dataset.ratio || "1");
    if (current === null || previous === null) { output.textContent = "0"; return; }
    let delta = current - previous;
    const rollover = form.querySelector(`input[name="o_${input.dataset.meter}"]`);
    if (delta < 0 && rollover && rollover.checked) delta += Math.pow(10, Number(input.dataset.digits)) * 1000;
    output.textContent = formatThousandths(delta * ratio);
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
      for (const input of form.querySelectorAll(`input[data-meter="${box.name.slice(2)}"]`)) update(input);
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
  if (!file || !clear) return;
  const sync = () => { clear.hidden = !file.value; };
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
