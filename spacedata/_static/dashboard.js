// The spacecraft dashboard page (spacedata.dashboard.page.Template). The header's Filters
// button opens and closes the sidebar: on a wide screen the template's sidebar, open at first;
// below 800 px a drawer over the page, closed at first (dashboard.css), which also closes on
// Escape or a tap outside it.
;(() => {
  const NARROW = "(max-width: 800px)"

  function setup() {
    const button = document.getElementById("sidebar-button")
    const sidebar = document.getElementById("sidebar")
    const header = document.getElementById("header")
    if (!button || !sidebar) return
    const narrow = window.matchMedia(NARROW)
    const isOpen = () =>
      narrow.matches ? sidebar.classList.contains("sd-open") : !sidebar.classList.contains("hidden")

    function sync() {
      button.setAttribute("aria-expanded", String(isOpen()))
      if (header) {
        document.documentElement.style.setProperty("--sd-header-height", `${header.offsetHeight}px`)
      }
    }

    function toggle(event) {
      if (event) event.preventDefault()
      if (narrow.matches) {
        sidebar.classList.remove("hidden")
        sidebar.classList.toggle("sd-open")
      } else {
        sidebar.classList.remove("sd-open")
        sidebar.classList.toggle("hidden")
      }
      sync()
    }

    function closeDrawer() {
      if (narrow.matches && sidebar.classList.contains("sd-open")) {
        sidebar.classList.remove("sd-open")
        sync()
      }
    }

    button.onclick = toggle // instead of the template's openNav/closeNav
    button.setAttribute("role", "button")
    button.setAttribute("aria-controls", "sidebar")
    button.setAttribute("aria-label", "Filters")
    button.tabIndex = 0
    button.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") toggle(event)
    })
    document.getElementById("main")?.addEventListener("click", closeDrawer)
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeDrawer()
    })
    narrow.addEventListener("change", sync)
    window.addEventListener("resize", sync)
    sync()
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup)
  else setup()
})()
