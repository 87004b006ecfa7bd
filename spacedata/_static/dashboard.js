// The spacecraft dashboard page (spacedata.dashboard.page.Template). The header's Filters
// button opens and closes the sidebar: on a wide screen the template's sidebar, open at first;
// below 800 px a drawer over the page, closed at first (dashboard.css), over a backdrop, with
// a Done button; it also closes on Escape or a tap on the backdrop.
//
// It also gives the page what Panel's template and Bokeh's widgets leave out for assistive
// technology (axe-core finds it; tests/test_dashboard_a11y.py): one h1 (the title), a main
// landmark, the filters as a named region; inside the widgets' shadow roots, names for the
// slider handles (and their dates as text) and the checkboxes, tab roles and arrow keys for
// the view tabs, and a records grid whose children are rows. Bokeh renders widgets lazily and
// again on change, so each shadow root is watched and the pass runs again after it changes.
// And plotly.js is kept from throwing when a chart removed mid-draw is relaid out.
;(() => {
  const NARROW = "(max-width: 800px)"

  // -- accessibility inside the widgets ---------------------------------------------------

  const set = (el, name, value) => {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value)
  }

  function labelSliders(root) {
    for (const handle of root.querySelectorAll(".noUi-handle[role=slider]")) {
      const title = handle.closest(".bk-input-group")?.querySelector(".bk-slider-title")
      const name = (title?.firstChild?.textContent ?? "").replace(/:\s*$/, "").trim()
      const end = handle.classList.contains("noUi-handle-upper") ? "highest" : "lowest"
      if (name) set(handle, "aria-label", `${name}, ${end}`)
      const shown = handle.querySelector(".noUi-tooltip")?.textContent?.trim()
      if (shown) set(handle, "aria-valuetext", shown) // a date, not its milliseconds
    }
  }

  function labelCheckboxes(root) {
    for (const input of root.querySelectorAll("input[type=checkbox]")) {
      const label = [...(input.parentNode?.children ?? [])]
        .find((el) => el.classList.contains("bk-label"))
        ?.textContent?.trim()
      if (label) set(input, "aria-label", label)
    }
  }

  // Bokeh draws the tab headers anew when the view changes: the focus, on a tab moved to
  // with the keyboard, goes to the new header of the view shown (until the next click or key)
  let keepTabFocus = false
  document.addEventListener("pointerdown", () => (keepTabFocus = false), true)

  function tabKeys(event) {
    keepTabFocus = false
    const tabs = [...event.currentTarget.parentNode.querySelectorAll(".bk-tab")]
    const at = tabs.indexOf(event.currentTarget)
    const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key]
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault()
      event.currentTarget.click()
    } else if (to !== undefined) {
      event.preventDefault()
      const next = tabs[(to + tabs.length) % tabs.length]
      next.focus()
      next.click()
      keepTabFocus = true
    }
  }

  function roleTabs(root) {
    for (const list of root.querySelectorAll(".bk-headers-wrapper")) {
      // Bokeh puts the tab headers after the views: first in the DOM, they come first on Tab
      const header = list.closest(".bk-header")
      const first = [...(header?.parentNode?.children ?? [])].find(
        (el) => el.tagName !== "STYLE" && el.tagName !== "LINK",
      )
      if (header && first && first !== header) first.before(header)
      set(list, "role", "tablist")
      set(list, "aria-label", "Views")
      for (const tab of list.querySelectorAll(".bk-tab")) {
        const active = tab.classList.contains("bk-active")
        set(tab, "role", "tab")
        set(tab, "aria-selected", String(active))
        set(tab, "tabindex", active ? "0" : "-1") // Tab reaches the view shown; arrows the other
        if (active && keepTabFocus && root.activeElement !== tab) tab.focus({ preventScroll: true })
        if (!tab.sdKeys) {
          tab.sdKeys = true
          tab.addEventListener("keydown", tabKeys)
        }
      }
    }
  }

  function gridChildren(root) {
    // Tabulator's role=grid holds a focusable scroll box and the pager: neither is a row
    for (const grid of root.querySelectorAll(".tabulator[role=grid]")) {
      const holder = grid.querySelector(":scope > .tabulator-tableholder")
      if (holder) {
        holder.removeAttribute("tabindex") // its cells take the focus
        set(holder, "role", "presentation")
      }
      const footer = grid.querySelector(":scope > .tabulator-footer")
      const contents = footer?.querySelector(":scope > .tabulator-footer-contents")
      if (footer && contents) {
        set(footer, "role", "row")
        set(contents, "role", "gridcell")
      }
    }
  }

  const watched = new WeakSet()
  let pending = 0

  function changed(mutations) {
    if (mutations.some((m) => !(m.target instanceof SVGElement))) schedule()
  }

  function schedule() {
    if (!pending) pending = setTimeout(pass, 30)
  }

  function pass() {
    pending = 0
    const roots = [document]
    for (let i = 0; i < roots.length; i++) {
      for (const el of roots[i].querySelectorAll("*")) {
        if (el.shadowRoot) roots.push(el.shadowRoot)
      }
    }
    for (const root of roots) {
      labelSliders(root)
      labelCheckboxes(root)
      roleTabs(root)
      gridChildren(root)
      if (!watched.has(root)) {
        watched.add(root)
        new MutationObserver(changed).observe(root, {
          childList: true,
          subtree: true,
          attributes: true,
          attributeFilter: ["class", "aria-valuetext"],
        })
      }
    }
  }

  function landmarks() {
    const title = document.querySelector("#header a.title")
    if (title && !title.closest("h1")) {
      const h1 = document.createElement("h1")
      h1.className = "sd-title"
      title.replaceWith(h1)
      h1.append(title)
    }
    const main = document.getElementById("main")
    if (main) set(main, "role", "main")
    const sidebar = document.getElementById("sidebar")
    if (sidebar) {
      set(sidebar, "role", "region")
      set(sidebar, "aria-label", "Filters")
      // the template puts each sidebar part straight in a <ul>, as no list items
      for (const list of sidebar.querySelectorAll(":scope > ul.nav")) set(list, "role", "none")
    }
  }

  // -- the filters drawer ---------------------------------------------------------------

  function setup() {
    if (window.sdDashboardReady) return // the page may run this script twice
    window.sdDashboardReady = true
    landmarks()
    pass()
    const button = document.getElementById("sidebar-button")
    const sidebar = document.getElementById("sidebar")
    const header = document.getElementById("header")
    if (!button || !sidebar) return
    const narrow = window.matchMedia(NARROW)
    const isOpen = () =>
      narrow.matches ? sidebar.classList.contains("sd-open") : !sidebar.classList.contains("hidden")

    const backdrop = document.createElement("div")
    backdrop.className = "sd-backdrop"
    backdrop.hidden = true
    document.body.append(backdrop)
    const done = document.createElement("button")
    done.type = "button"
    done.className = "sd-drawer-done"
    done.textContent = "Done"
    done.setAttribute("aria-label", "Done: close the filters")
    sidebar.prepend(done)

    function sync() {
      button.setAttribute("aria-expanded", String(isOpen()))
      backdrop.hidden = !(narrow.matches && isOpen())
      if (header) {
        document.documentElement.style.setProperty("--sd-header-height", `${header.offsetHeight}px`)
      }
    }

    function toggle(event) {
      if (event) event.preventDefault()
      if (narrow.matches) {
        sidebar.classList.remove("hidden")
        sidebar.classList.toggle("sd-open")
        if (sidebar.classList.contains("sd-open")) {
          requestAnimationFrame(() => done.focus({ preventScroll: true })) // once it is shown
        }
      } else {
        sidebar.classList.remove("sd-open")
        sidebar.classList.toggle("hidden")
      }
      sync()
    }

    function closeDrawer() {
      if (narrow.matches && sidebar.classList.contains("sd-open")) {
        const inside = sidebar.contains(document.activeElement)
        sidebar.classList.remove("sd-open")
        sync()
        if (inside) button.focus({ preventScroll: true }) // back where the drawer was opened
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
    backdrop.addEventListener("click", closeDrawer)
    done.addEventListener("click", closeDrawer)
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeDrawer()
    })
    narrow.addEventListener("change", sync)
    window.addEventListener("resize", sync)
    sync()
  }

  // -- a chart removed while it was being drawn ----------------------------------------------
  // Panel's plotly view relays out its chart when the first draw ends, even if the view was
  // removed (its chart purged) meanwhile, e.g. a tab switched away mid-draw: plotly then throws
  // "reading '_guiEditing'" as an uncaught page error. A purged chart has no layout left to
  // change, so relaying it out does nothing here (tests/test_dashboard_browser.py).
  function guardPlotly() {
    const plotly = window.Plotly
    if (!plotly || plotly.relayout.sdGuarded) return
    const relayout = plotly.relayout
    plotly.relayout = function (gd, ...args) {
      const el = typeof gd === "string" ? document.getElementById(gd) : gd
      if (el && !el._fullLayout) return Promise.resolve(el)
      return relayout.call(this, gd, ...args)
    }
    plotly.relayout.sdGuarded = true
  }

  guardPlotly() // plotly.js comes before this script; Panel's own bundle (a fallback) after
  window.addEventListener("load", guardPlotly)

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup)
  else setup()
})()
