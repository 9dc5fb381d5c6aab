#!/usr/bin/env node
// Checks Adaptive Cards with the official renderer (npm `adaptivecards`), no DOM needed.
//
// stdin:  a JSON array of Adaptive Card objects
// stdout: a JSON array, same order, of {"errors": ["message", ...]}
// exit:   0 when the input could be read (even if cards have errors), 2 otherwise.
//
// Everything the renderer reports counts as an error: parse events (unknown element or
// action types, invalid enum values) and validation events (duplicate ids, inputs without
// an id, missing required properties such as Action.OpenUrl's url, unsupported versions).
// Teams-only parts we use on purpose (`msteams` and `refresh` on the card root,
// `Action.Execute`) are not reported by renderer 3.x, so nothing is filtered out here.
"use strict";

// The package's ES module build fails to resolve an import under Node 20; its bundle works.
const AC = require("adaptivecards/dist/adaptivecards.js");

function cardErrors(json) {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    return ["Card is not a JSON object."];
  }
  const errors = [];
  try {
    const context = new AC.SerializationContext();
    const card = new AC.AdaptiveCard();
    card.parse(json, context);
    for (let i = 0; i < context.eventCount; i++) {
      errors.push(context.getEventAt(i).message);
    }
    for (const event of card.validateProperties().validationEvents) {
      errors.push(event.message);
    }
  } catch (error) {
    errors.push(`Renderer failed: ${error && error.message ? error.message : error}`);
  }
  return errors;
}

function readStdin() {
  return require("fs").readFileSync(0, "utf8");
}

function main() {
  let cards;
  try {
    cards = JSON.parse(readStdin());
  } catch (error) {
    process.stderr.write(`check_cards: stdin is not JSON: ${error.message}\n`);
    return 2;
  }
  if (!Array.isArray(cards)) {
    process.stderr.write("check_cards: stdin must be a JSON array of cards\n");
    return 2;
  }
  const results = cards.map((card) => ({ errors: cardErrors(card) }));
  process.stdout.write(JSON.stringify(results) + "\n");
  return 0;
}

process.exitCode = main();
