"""What the shop floor demands of every screen, measured in the real browser: axe-core finds
no accessibility violation, nothing scrolls sideways, and every control is a 44 px target."""

from __future__ import annotations

from pathlib import Path

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))
MIN_TARGET = 44

_SMALL_TARGETS = """
([minimum, exempt]) => {
  const controls = 'a[href], button, select, textarea, summary, [role="button"], [tabindex]:not([tabindex="-1"]),'
    + 'input:not([type="hidden"])';
  const small = [];
  for (const element of document.querySelectorAll(controls)) {
    if (exempt && element.closest(exempt)) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    // A checkbox or radio is tapped through its label: the label is the target.
    const tapped = (element.type === 'checkbox' || element.type === 'radio') && element.closest('label')
      ? element.closest('label') : element;
    const box = tapped.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (element.closest('[hidden], dialog:not([open])')) continue;
    if (box.width < minimum || box.height < minimum) {
      const name = (tapped.innerText || element.getAttribute('aria-label') || element.name || '').trim().slice(0, 40);
      small.push(`${element.tagName.toLowerCase()} "${name}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""

_OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  if (document.documentElement.scrollWidth > width) {
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect();
      if (box.right > width + 1 && getComputedStyle(element).position !== 'fixed') {
        wide.push(`${element.tagName.toLowerCase()}.${element.className} right=${Math.round(box.right)}`);
      }
    }
    wide.unshift(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  }
  return wide.slice(0, 10);
}
"""


def axe_violations(page) -> list[str]:
    """Every axe-core violation on the page as it is now, of any impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the app's CSP
        # rightly refuses inline scripts, and the test must not need a hole in it.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(
            node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
            for node in violation["nodes"][:5]
        )
        for violation in result["violations"]
    ]


def horizontal_overflow(page) -> list[str]:
    """Why the page scrolls sideways (empty when it does not)."""
    return page.evaluate(_OVERFLOW)


def small_targets(page, minimum: int = MIN_TARGET, exempt: str = "") -> list[str]:
    """Visible controls smaller than ``minimum`` CSS px either way; ``exempt`` is a CSS
    selector for regions the floor rule does not cover (say, an admin-only table)."""
    return page.evaluate(_SMALL_TARGETS, [minimum, exempt or None])


def floor_problems(page, *, exempt: str = "") -> dict[str, list[str]]:
    """What keeps the page off the floor, by kind (empty when it meets it): for a test that
    walks many pages and reports them all at once."""
    problems = {
        "axe": axe_violations(page),
        "overflow": horizontal_overflow(page),
        "small targets": small_targets(page, exempt=exempt),
    }
    return {kind: found for kind, found in problems.items() if found}


def assert_floor(page, *, exempt: str = "") -> None:
    """The page passes axe, fits its viewport's width, and has no small targets."""
    problems = floor_problems(page, exempt=exempt)
    assert not problems, f"{page.url}: {problems}"
