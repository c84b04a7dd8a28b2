import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import { alertChannelsPath, alertPath, alertRulePath, alertRulesPath, alertsPath, parseRoute } from "../../lib/route";
import type { Alert } from "./api";
import { channelField, channelToWire, channelWhere, EMPTY_CHANNEL, testAnswer } from "./channelForm";
import { alertValue, eventTitle, fieldOf, formatUntil, inboxQuery, isMuted, latestByRule, parseInboxView, sourceOf } from "./inbox";

describe("alerts routes", () => {
  it("reads and builds the alerts pages", () => {
    expect(parseRoute("/alerts")).toEqual({ page: "alerts", project: null });
    expect(parseRoute("/projects/p/alerts")).toEqual({ page: "alerts", project: "p" });
    expect(parseRoute("/projects/p/alerts/12")).toEqual({ page: "alert", project: "p", id: 12 });
    expect(parseRoute("/projects/p/alerts/x")).toMatchObject({ page: "missing" });
    expect(parseRoute("/projects/p/alert-rules")).toEqual({ page: "alertRules", project: "p" });
    expect(parseRoute("/projects/p/alert-rules/new")).toEqual({ page: "alertRule", project: "p", name: null });
    expect(parseRoute(alertRulePath("p", "loss is NaN").split("?")[0])).toEqual({ page: "alertRule", project: "p", name: "loss is NaN" });
    expect(parseRoute(alertChannelsPath("p"))).toEqual({ page: "alertChannels", project: "p" });
    expect(alertsPath()).toBe("/alerts");
    expect(alertsPath("p", { rule: "a b" })).toBe("/projects/p/alerts?rule=a+b");
    expect(alertPath("my p", 3)).toBe("/projects/my%20p/alerts/3");
    expect(alertRulesPath("p", { monitor: "risk" })).toBe("/projects/p/alert-rules?monitor=risk");
    expect(alertRulePath("p", null, { monitor: "risk" })).toBe("/projects/p/alert-rules/new?monitor=risk");
  });
});

describe("the inbox's filters", () => {
  it("shows open alerts by default, and keeps the default out of the URL", () => {
    const view = parseInboxView("");
    expect(view.states).toEqual(["firing", "acknowledged"]);
    expect(view.severities).toEqual([]);
    expect(inboxQuery(view)).toEqual({});
  });

  it("round-trips every filter", () => {
    const view = parseInboxView("?state=resolved&severity=info,critical&project=p&rule=r");
    expect(view).toEqual({ states: ["resolved"], severities: ["info", "critical"], project: "p", rule: "r" });
    expect(inboxQuery(view)).toEqual({ state: "resolved", severity: "critical,info", project: "p", rule: "r" });
    expect(parseInboxView("?state=any").states).toEqual([]);
    expect(inboxQuery({ ...view, states: [] }).state).toBe("any");
    expect(parseInboxView("?state=bogus,firing").states).toEqual(["firing"]);
  });
});

const alert = (change: Partial<Alert>): Alert =>
  ({
    id: 1,
    project: "p",
    rule_id: 1,
    rule_name: "r",
    scope: "s",
    state: "firing",
    severity: "warning",
    title: "t",
    text: "",
    value: 1,
    at: null,
    step: null,
    lower: null,
    upper: null,
    opened_at: "2026-11-20T00:00:00Z",
    updated_at: "2026-11-20T00:00:00Z",
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    source: {},
    ...change,
  }) as Alert;

describe("alerts in words", () => {
  it("links an alert to the monitor tab or the run it is about", () => {
    expect(sourceOf(alert({ source: { monitor: "risk", kind: "drift", subject: "gpa" } }))).toEqual({
      kind: "monitor",
      label: "monitor risk",
      href: "/projects/p/monitors/risk?tab=drift&feature=gpa",
    });
    expect(sourceOf(alert({ source: { monitor: "risk", kind: "fairness", subject: "gender" } }))?.href).toBe("/projects/p/monitors/risk?tab=fairness&attribute=gender");
    expect(sourceOf(alert({ source: { run: "abc123", run_name: "nightly" } }))).toEqual({ kind: "run", label: "run nightly", href: "/runs/abc123" });
    expect(sourceOf(alert({ source: {} }))).toBeNull();
  });

  it("writes values, history lines and mute times", () => {
    expect(alertValue(0.52361916)).toBe("0.52362");
    expect(alertValue("Infinity")).toBe("inf");
    expect(alertValue(null)).toBe("");
    expect(eventTitle({ type: "acknowledged", by: "maria" })).toBe("Acknowledged by maria");
    expect(eventTitle({ type: "resolved", by: null })).toBe("Resolved automatically");
    expect(eventTitle({ type: "notify_failed", by: null })).toBe("Notification failed");
    const now = Date.parse("2026-11-20T00:00:00Z");
    expect(isMuted("2026-11-20T01:00:00Z", now)).toBe(true);
    expect(isMuted("2026-11-19T01:00:00Z", now)).toBe(false);
    expect(formatUntil("2026-11-27T00:00:00Z", now)).toBe("in 7 days");
    expect(formatUntil("2026-11-20T01:00:00Z", now)).toBe("in 1 hour");
  });

  it("finds each rule's newest alert", () => {
    const found = latestByRule([alert({ id: 1, opened_at: "2026-11-20T00:00:00Z" }), alert({ id: 2, opened_at: "2026-11-21T00:00:00Z" })]);
    expect(found.get("r")?.id).toBe(2);
  });

  it("finds the field a server refusal is about", () => {
    expect(fieldOf(new ApiError(400, "invalid_argument", "condition: value must be…", { key: "value", field: "condition.value" }))).toBe("condition.value");
    expect(fieldOf(new ApiError(404, "not_found", "no monitor 'x'", { project: "p", monitor: "x" }))).toBe("target.monitor");
    expect(fieldOf(new ApiError(400, "invalid_argument", "filter: unknown field 'foo' at position 1", { position: 1 }))).toBe("target.filter");
    expect(fieldOf(new ApiError(409, "already_exists", "rule exists", {}))).toBe("name");
    expect(fieldOf(new Error("x"))).toBeNull();
  });
});

describe("channels", () => {
  it("puts settings in config and the secret apart", () => {
    expect(channelToWire({ ...EMPTY_CHANNEL, name: " hook ", endpoint: "https://ci/x", secret: "s3cret-s3cret-123" })).toEqual({
      name: "hook",
      type: "webhook",
      min_severity: "info",
      secret: "s3cret-s3cret-123",
      config: { endpoint: "https://ci/x" },
    });
    expect(
      channelToWire({ ...EMPTY_CHANNEL, type: "email", name: "mail", host: "smtp.x", port: "465", security: "tls", sender: "a@x", to: "b@x, c@x;d@x", secret: "" }),
    ).toEqual({
      name: "mail",
      type: "email",
      min_severity: "info",
      secret: null,
      config: { host: "smtp.x", port: 465, security: "tls", sender: "a@x", to: ["b@x", "c@x", "d@x"] },
    });
    expect(channelToWire({ ...EMPTY_CHANNEL, type: "slack", name: "s", secret: "https://hooks.slack.com/x" }).config).toEqual({});
  });

  it("says where a channel sends and what a test got back", () => {
    expect(channelWhere({ type: "email", config: { to: ["a@x"], host: "h", port: 25 } })).toBe("a@x via h:25");
    expect(testAnswer({ ok: true, status_code: 200, response: "ok", error: null, duration_ms: 31.8 })).toBe("ok — HTTP 200 in 32 ms");
    expect(testAnswer({ ok: false, status_code: 404, response: "", error: "HTTP 404: channel_not_found", duration_ms: 5 })).toBe("failed — HTTP 404: channel_not_found");
  });

  it("finds the field of a channel refusal, with or without details.field", () => {
    expect(channelField("secret")).toBe("secret");
    expect(channelField(null, "email channel: 'to' must list at least one address")).toBe("to");
    expect(channelField(null, "endpoint must be an http:// or https:// URL, not 'x'")).toBe("endpoint");
    expect(channelField(null, "a channel needs a name of 1 to 128 characters")).toBe("name");
    expect(channelField(null, "exists", "already_exists")).toBe("name");
  });
});

describe("root-cause links", () => {
  it("links features, segments, versions and the monitor", async () => {
    const { causeHref } = await import("./inbox");
    expect(causeHref({ monitor: "risk", feature: "gpa" }, "p", null)).toBe("/projects/p/monitors/risk?tab=drift&feature=gpa");
    expect(causeHref({ segment: "course", group: "A", metric: "recall" }, "p", "risk")).toBe("/projects/p/monitors/risk?tab=performance&segment=course&metric=recall");
    expect(causeHref({ model: "m", version: 2, alias: "production" }, "p", "risk")).toBe("/registry/m");
    expect(causeHref({ project: "q", artifact: "ref", version: 3 }, "p", "risk")).toBe("/projects/q/artifacts/ref/v/v3");
    expect(causeHref({ monitor: "risk" }, "p", null)).toBe("/projects/p/monitors/risk");
    expect(causeHref({}, "p", null)).toBeNull();
  });
});

describe("history notes", () => {
  it("keeps what someone typed and drops what repeats the title", async () => {
    const { eventNote } = await import("./inbox");
    expect(eventNote({ type: "acknowledged", by: "maria", message: "acknowledged by maria" })).toBeNull();
    expect(eventNote({ type: "acknowledged", by: "maria", message: "on it" })).toEqual({ text: "on it", quoted: true });
    expect(eventNote({ type: "notified", by: null, message: "acknowledged sent to retrain" })).toEqual({ text: "acknowledged sent to retrain", quoted: false });
    expect(eventNote({ type: "resolved", by: null, message: "" })).toBeNull();
  });
});
