export function render({ model, el }) {
  if (model.shown) return
  const seen = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) {
      seen.disconnect()
      model.shown = true
    }
  }, { rootMargin: `0px 0px ${model.margin_px}px 0px` })
  seen.observe(el)
  model.on("remove", () => seen.disconnect())
}
