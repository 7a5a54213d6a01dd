"""Contrast as WCAG 2 computes it, read from the styles the browser computed (no colours written in the test)."""

from __future__ import annotations

from typing import Any

CONTRAST_JS = """el => {
    const rgb = text => (text.match(/[\\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]) => {
        const lin = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    // the first opaque background behind the element, through shadow roots to the page
    let node = el, back = null;
    while (node) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length >= 3 && (c.length < 4 || c[3] > 0.99)) { back = c; break; }
        node = node.parentElement || (node.getRootNode() && node.getRootNode().host) || null;
    }
    back = back || [255, 255, 255];
    const fore = rgb(getComputedStyle(el).color);
    const [a, b] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""
"""For an element: the contrast ratio of its text colour against the first opaque background behind it."""


def contrast(locator: Any) -> float:
    """The WCAG contrast ratio of the text of the element `locator` names."""
    return float(locator.evaluate(CONTRAST_JS))
