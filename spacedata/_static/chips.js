// The active filters as removable chips (spacedata.dashboard.views.FilterChips, a Panel
// JSComponent). The server sets `chips` ([{key, text, name}]); each chip is its words and a
// native button (keyboard operable, named "Remove filter: ..."), and "Clear all" shows when
// there are two or more. A click sends {remove: key} or {clear: true} to the server, which
// resets those filters; the URL follows from there. Everything is set as text, never HTML.

export function render({ model }) {
  const root = document.createElement("div")
  root.className = "sd-active"
  let focusAt = null // after a removal: the index whose button takes the focus

  function button(text, label, className, message, index) {
    const b = document.createElement("button")
    b.type = "button"
    b.className = className
    b.textContent = text
    b.setAttribute("aria-label", label)
    b.title = label
    b.addEventListener("click", () => {
      focusAt = index // the focus goes on to the chip that takes this one's place
      model.send_msg(message)
    })
    return b
  }

  function draw() {
    const chips = Array.isArray(model.chips) ? model.chips : []
    const hadFocus = focusAt
    focusAt = null
    root.replaceChildren()
    root.hidden = chips.length === 0
    if (!chips.length) return
    const heading = document.createElement("span")
    heading.className = "sd-active-label"
    heading.textContent = "Filtered by"
    const list = document.createElement("ul")
    list.className = "sd-active-list"
    list.setAttribute("aria-label", "Active filters")
    chips.forEach((chip, i) => {
      const item = document.createElement("li")
      item.className = "sd-active-chip"
      item.dataset.key = chip.key
      const words = document.createElement("span")
      words.className = "sd-active-text"
      words.textContent = chip.text
      item.append(
        words,
        button("×", `Remove filter: ${chip.name}`, "sd-active-remove", { remove: chip.key }, i),
      )
      list.append(item)
    })
    root.append(heading, list)
    if (chips.length >= 2) {
      root.append(
        button("Clear all", "Clear all filters shown here", "sd-active-clear", { clear: true }, 0),
      )
    }
    if (hadFocus !== null) {
      const buttons = root.querySelectorAll("button")
      const next = buttons[Math.min(hadFocus, buttons.length - 1)]
      if (next) next.focus()
    }
  }

  model.on("chips", draw)
  draw()
  return root
}
