"""WCAG 2.2 AA, as axe-core judges a customer page in Chromium.

axe-core comes from the npm registry, pinned in tests/browser/package-lock.json (setup/lib.sh runs
`npm ci`). It is injected into the page under test, so nothing third-party is ever served by Odoo.
"""

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[1] / 'browser' / 'node_modules' / 'axe-core' / 'axe.min.js'
# The rules of WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']
VIEWPORTS = {'desktop': {'width': 1280, 'height': 900}, 'phone': {'width': 360, 'height': 740}}


def axe_violations(page):
    """axe-core's violations of WCAG 2.2 AA on the page as it is now."""
    if not page.evaluate('typeof window.axe !== "undefined"'):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        'tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})',
        WCAG_AA,
    )
    return result['violations']


def _summary(violations):
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in violations
    ]


class Audit:
    """WCAG 2.2 AA checks of the pages a browser test goes through, at 1280 and 360 px each.

    `check(page, name)` where the test stands (the page's viewport is restored after), and
    `assert_clean()` at the test's end, so one run reports every page's findings, not the first.
    Each page's findings also go to output/axe/<name>-<viewport>.json, violations or not."""

    def __init__(self, output_dir):
        self.folder = output_dir / 'axe'
        self.folder.mkdir(exist_ok=True)
        self.checked = []
        self.found = {}

    def check(self, page, name):
        original = page.viewport_size
        try:
            for viewport, size in VIEWPORTS.items():
                page.set_viewport_size(size)
                violations = axe_violations(page)
                (self.folder / f'{name}-{viewport}.json').write_text(json.dumps(violations, indent=1))
                self.checked.append(f'{name}-{viewport}')
                if violations:
                    self.found[f'{name}-{viewport}'] = _summary(violations)
        finally:
            page.set_viewport_size(original)

    def assert_clean(self):
        assert self.checked, "no page was checked"
        assert not self.found, f"WCAG 2.2 AA violations: {json.dumps(self.found, indent=1)}"
