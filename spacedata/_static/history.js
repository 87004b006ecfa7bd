// The page's URL as its history (spacedata.dashboard.widgets.UrlHistory, a Panel JSComponent).
// The server writes the query of the page's state (`entry`); this module puts it in the
// address bar: a new history entry per change, except while one slider is being dragged or
// stepped with its arrow keys, when the entry that gesture made is replaced (one entry per
// drag, not one per step). Back and Forward send the URL's query to the server (`popped`),
// which applies all of it (filters and tab) and answers with `replace`, so the view always
// equals the URL. `seq` pairs the answers with the popstate they follow: a write made before
// the latest Back/Forward was applied is stale and ignored.

const sliderOf = (event) =>
  event.composedPath().find((node) => node.classList?.contains("noUi-target")) ?? null

export function render({ model }) {
  let sent = 0 // popstates sent to the server
  let gesture = null // {slider, kind}: the slider being dragged or stepped now
  let owner = null // the gesture whose entry is the current one

  function onPointerDown(event) {
    const slider = sliderOf(event)
    gesture = slider ? { slider, kind: "pointer" } : null // every drag is a gesture of its own
    owner = null
  }

  function onKeyDown(event) {
    const slider = sliderOf(event)
    if (!slider) {
      gesture = owner = null
    } else if (!gesture || gesture.slider !== slider || gesture.kind !== "key") {
      gesture = { slider, kind: "key" } // steps on one slider, one after the other: one entry
      owner = null
    }
  }

  function onPopState() {
    gesture = owner = null
    sent += 1
    model.popped = { search: window.location.search, seq: sent }
  }

  function write() {
    const entry = model.entry || {}
    if (typeof entry.search !== "string" || (entry.seq ?? 0) < sent) return
    if (entry.search === window.location.search) return
    const url = `${window.location.pathname}${entry.search}${window.location.hash}`
    if (entry.replace || (gesture && owner === gesture)) {
      window.history.replaceState(window.history.state, "", url)
    } else {
      window.history.pushState({}, "", url)
      owner = gesture
    }
  }

  document.addEventListener("pointerdown", onPointerDown, true)
  document.addEventListener("keydown", onKeyDown, true)
  window.addEventListener("popstate", onPopState)
  model.on("entry", write)
  model.on("remove", () => {
    document.removeEventListener("pointerdown", onPointerDown, true)
    document.removeEventListener("keydown", onKeyDown, true)
    window.removeEventListener("popstate", onPopState)
  })
}
