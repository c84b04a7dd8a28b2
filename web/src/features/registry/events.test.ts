import { describe, expect, it } from "vitest";
import type { RegistryEvent } from "../../api/client";
import { rollbackTarget } from "./AliasDialogs";
import { cardSummary } from "./RegistryPage";
import { describeEvent, localInputValue } from "./events";

const event = (over: Partial<RegistryEvent>): RegistryEvent =>
  ({ id: 1, model: "m", at: "2026-01-01T00:00:00Z", actor: "ana", action: "alias_set", version: null, alias: null, previous_version: null, details: {}, ...over }) as RegistryEvent;

describe("registry events", () => {
  it("say what moved where", () => {
    expect(describeEvent(event({ alias: "production", version: 3, previous_version: 2 }))).toBe("production → v3 (was v2)");
    expect(describeEvent(event({ alias: "staging", version: 1 }))).toBe("staging → v1 (new alias)");
    expect(describeEvent(event({ alias: "production", version: 2, previous_version: 3, details: { rollback: true } }))).toBe("production → v2 (was v3) · rollback");
    expect(describeEvent(event({ action: "version_created", version: 2, details: { artifact: "p/model:v1" } }))).toBe("version 2 registered from p/model:v1");
    expect(describeEvent(event({ action: "alias_protected", alias: "production", details: { role: "approver" } }))).toContain("role approver");
    expect(describeEvent(event({ action: "model_renamed", details: { old: "risk", new: "risk-2027" } }))).toBe("renamed from risk to risk-2027");
    expect(describeEvent(event({ action: "version_deleted", version: 3, details: { artifact: "p/model:v2" } }))).toBe("version 3 deleted (was p/model:v2)");
  });

  it("find where a rollback goes: before the alias's last move", () => {
    const newestFirst = [
      event({ action: "alias_protected", alias: "production" }),
      event({ alias: "production", version: 3, previous_version: 2 }),
      event({ alias: "production", version: 2 }),
    ];
    expect(rollbackTarget(newestFirst, "production")).toBe(2);
    expect(rollbackTarget([event({ alias: "staging", version: 1 })], "staging")).toBeNull();
  });

  it("format a local date for the lookup and summarise a card", () => {
    expect(localInputValue(new Date(2026, 2, 3, 9, 5, 7))).toBe("2026-03-03T09:05:07");
    expect(cardSummary("# Title\n\nPredicts **risk** of `x`.\n")).toBe("Predicts risk of x.");
  });
});
