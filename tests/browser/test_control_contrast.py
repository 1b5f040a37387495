"""Form controls are visible (WCAG 1.4.11, non-text contrast): the border of an unchecked radio button, a
checkbox, a text input and a select stands out from the page behind it by at least 3:1."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests import factories
from tests.browser.conftest import LiveServer
from tests.browser.test_role_navigation import sign_in_with_keyboard

# The control's computed border colour, and the colour of the first ancestor that paints a background.
COLOURS = """(element) => {
  let behind = 'rgba(0, 0, 0, 0)';
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(colour) && colour !== 'transparent') { behind = colour; break; }
  }
  if (behind === 'rgba(0, 0, 0, 0)') behind = 'rgb(255, 255, 255)';
  return [getComputedStyle(element).borderTopColor, behind];
}"""


def luminance(css: str) -> float:
    """WCAG 2 relative luminance of an opaque CSS rgb()/rgba() colour."""
    numbers = re.findall(r"[\d.]+", css)
    assert len(numbers) >= 3, css
    if len(numbers) == 4:
        assert float(numbers[3]) == 1, f"{css} is translucent: blend it before measuring"

    def channel(value: str) -> float:
        c = float(value) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(n) for n in numbers[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21)
    assert contrast("rgb(222, 226, 230)", "rgb(255, 255, 255)") == pytest.approx(1.3, abs=0.05)  # Bootstrap's


def border_contrast(page: Page, selector: str) -> float:
    control = page.locator(selector).first
    border, behind = control.evaluate(COLOURS)
    return contrast(border, behind)


def test_unchecked_radios_checkboxes_text_inputs_and_selects_have_borders_of_3_to_1(
    page: Page, live_server: LiveServer
) -> None:
    users = live_server.users
    subject_id = factories.make_subject(live_server.app, users["assessor"].id, live_server.units["A"], "C3001AB")
    page.goto("/login")
    sign_in_with_keyboard(page, "assessor", users["assessor"].password)

    page.goto(f"/subjects/{subject_id}/screenings/new")
    measured = {"unchecked radio": border_contrast(page, "input[type=radio]:not(:checked)"),
                "text input": border_contrast(page, "input.form-control[type=text]")}
    page.goto("/subjects/new")
    measured["checkbox"] = border_contrast(page, "input[type=checkbox]:not(:checked)")
    measured["select"] = border_contrast(page, "select.form-select")
    for control, ratio in measured.items():
        assert ratio >= 3, f"the border of the {control} contrasts {ratio:.2f}:1 with the page (WCAG 1.4.11: 3:1)"
