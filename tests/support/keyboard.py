"""The keyboard alone, as someone who cannot use a mouse goes through the customer pages: Tab,
arrow keys, Space and Enter, and where the focus is must always be seen (WCAG 2.2 AA 2.1.1,
2.4.7 and 2.4.11)."""

# Where the focus is, and whether it shows: an outline or a ring (box shadow) on the focused
# element, and the element not hidden under another one at its centre.
FOCUS_STATE = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    const label = el.id ? document.querySelector(`label[for="${el.id}"]`) : null;
    return {
        html: el.outerHTML.slice(0, 120),
        outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
        ring: style.boxShadow !== 'none',
        seen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < window.innerHeight,
        onTop: !!hit && (hit === el || el.contains(hit) || (label && label.contains(hit))),
    };
}"""


def assert_focus_visible(page):
    state = page.evaluate(FOCUS_STATE)
    assert state, "the focus is nowhere"
    assert state['outline'] or state['ring'], f"no visible focus on {state['html']}"
    assert state['seen'] and state['onTop'], f"the focused element is hidden: {state['html']}"


def tab_to(page, selector, limit=60, check_focus=True):
    """Tab until the element `selector` has the focus; every element on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press('Tab')
        if check_focus:
            assert_focus_visible(page)
        if page.evaluate('s => !!document.activeElement && document.activeElement.matches(s)', selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab in {limit} presses")


def arrow_to(page, selector, limit=20):
    """In a group of radio buttons: arrow down until `selector` is chosen, as arrows choose."""
    for _ in range(limit):
        if page.evaluate('s => document.activeElement.matches(s) && document.activeElement.checked', selector):
            assert_focus_visible(page)
            return
        page.keyboard.press('ArrowDown')
    raise AssertionError(f"{selector} cannot be chosen with the arrow keys")
