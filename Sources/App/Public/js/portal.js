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
