// Renders Adaptive Cards with the official renderer (npm `adaptivecards`) into cards_page.html,
// each card in a region of its own, and runs axe-core on them. Used by
// tests/e2e/test_card_accessibility.py through headless Chromium; no network.
"use strict";

// Draw each card into <section data-card="i" aria-label="Card i">; return the renderer's
// own complaints per card (a card that does not render is a failure too).
window.renderCards = function renderCards(cards) {
  const main = document.getElementById("cards");
  return cards.map((json, index) => {
    const section = document.createElement("section");
    section.dataset.card = String(index);
    section.setAttribute("aria-label", `Card ${index + 1}`);
    main.appendChild(section);
    const problems = [];
    try {
      const context = new AdaptiveCards.SerializationContext();
      const card = new AdaptiveCards.AdaptiveCard();
      card.parse(json, context);
      for (let i = 0; i < context.eventCount; i++) {
        problems.push(context.getEventAt(i).message);
      }
      const rendered = card.render();
      if (rendered) {
        section.appendChild(rendered);
      } else {
        problems.push("The renderer drew nothing.");
      }
    } catch (error) {
      problems.push(`Renderer failed: ${error && error.message ? error.message : error}`);
    }
    return problems;
  });
};

// Run axe with the given options and report each violating node with its card's index
// (-1 when it sits outside every card, which would be this page's own fault).
window.checkCards = async function checkCards(options) {
  const results = await axe.run(document, options);
  const found = [];
  for (const violation of results.violations) {
    for (const node of violation.nodes) {
      const element = document.querySelector(node.target[node.target.length - 1]);
      const section = element ? element.closest("section[data-card]") : null;
      found.push({
        card: section ? Number(section.dataset.card) : -1,
        rule: violation.id,
        help: violation.help,
        target: node.target.join(" "),
        html: node.html,
        summary: node.failureSummary || "",
      });
    }
  }
  return found;
};
