// The add-channel form to and from what the server takes (docs/alerts.md, "Channels"): the
// settings that are not secret go in ``config``; the one secret of each type is write-only.
import type { Channel, ChannelIn, ChannelTest, Severity } from "./api";

export type ChannelType = Channel["type"];

export const CHANNEL_TYPES: [ChannelType, string, string][] = [
  ["webhook", "Webhook", "a signed JSON POST to any address (a CI job, a retraining pipeline, your own service)"],
  ["slack", "Slack", "a message in a Slack channel, through an incoming webhook"],
  ["email", "Email", "a message through your SMTP server"],
  ["pagerduty", "PagerDuty", "an incident through PagerDuty's Events API v2"],
];

export interface ChannelForm {
  type: ChannelType;
  name: string;
  minSeverity: Severity;
  endpoint: string;
  host: string;
  port: string;
  security: "starttls" | "tls" | "none";
  sender: string;
  to: string;
  username: string;
  /** The type's secret: signing secret, Slack URL, SMTP password or routing key. */
  secret: string;
}

export const EMPTY_CHANNEL: ChannelForm = {
  type: "webhook",
  name: "",
  minSeverity: "info",
  endpoint: "",
  host: "",
  port: "587",
  security: "starttls",
  sender: "",
  to: "",
  username: "",
  secret: "",
};

/** What the secret of each type is called on the form. */
export const SECRET_LABEL: Record<ChannelType, string> = {
  webhook: "Signing secret (optional)",
  slack: "Slack incoming-webhook URL",
  email: "Password (optional)",
  pagerduty: "Routing key (Integration Key)",
};

/** The usual port of each security mode. */
export const SMTP_PORTS: Record<ChannelForm["security"], string> = { starttls: "587", tls: "465", none: "25" };

export function splitAddresses(text: string): string[] {
  return text
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean);
}

export function channelToWire(f: ChannelForm): ChannelIn {
  const secret = f.secret === "" ? null : f.secret;
  const base = { name: f.name.trim(), type: f.type, min_severity: f.minSeverity, secret };
  switch (f.type) {
    case "webhook":
      return { ...base, config: { endpoint: f.endpoint.trim() } };
    case "email": {
      const config: Record<string, unknown> = {
        host: f.host.trim(),
        port: Number(f.port) || f.port,
        security: f.security,
        sender: f.sender.trim(),
        to: splitAddresses(f.to),
      };
      if (f.username.trim()) config.username = f.username.trim();
      return { ...base, config };
    }
    default:
      return { ...base, config: {} };
  }
}

/** Where a channel sends, from its settings (never its secret). */
export function channelWhere(c: Pick<Channel, "type" | "config">): string {
  const cfg = c.config ?? {};
  switch (c.type) {
    case "webhook":
      return String(cfg.endpoint ?? cfg.url ?? "");
    case "email": {
      const to = Array.isArray(cfg.to) ? cfg.to.join(", ") : String(cfg.to ?? "");
      return `${to} via ${String(cfg.host ?? "?")}:${String(cfg.port ?? "?")}`;
    }
    case "slack":
      return "Slack (the incoming webhook's channel)";
    case "pagerduty":
      return cfg.url ? `PagerDuty at ${String(cfg.url)}` : "PagerDuty Events API v2";
  }
}

/** The receiver's answer to a test message, in a few words. */
export function testAnswer(t: ChannelTest): string {
  const took = `${Math.round(t.duration_ms)} ms`;
  if (t.ok) return t.status_code ? `ok — HTTP ${t.status_code} in ${took}` : `ok — ${t.response || "accepted"} (${took})`;
  if (t.error) return `failed — ${t.error}`;
  return t.status_code ? `failed — HTTP ${t.status_code}` : "failed";
}

/** The form field a channel refusal is about: ``details.field`` (a setting or ``secret``),
 * else the setting its message names (some refusals carry no field). */
export function channelField(field: string | null, message = "", code = ""): keyof ChannelForm | null {
  const map: Record<string, keyof ChannelForm> = {
    name: "name",
    type: "type",
    min_severity: "minSeverity",
    endpoint: "endpoint",
    url: "endpoint",
    host: "host",
    port: "port",
    security: "security",
    sender: "sender",
    to: "to",
    username: "username",
    secret: "secret",
    password: "secret",
    routing_key: "secret",
  };
  if (field) return map[field.replace(/^config\./, "")] ?? null;
  if (code === "already_exists" || code === "conflict") return "name";
  const named = /^(\w+) must\b|'(\w+)'|\bneeds a (name)\b/.exec(message.replace(/^\w+ channel: /, ""));
  const key = named?.[1] ?? named?.[2] ?? named?.[3];
  return key ? (map[key] ?? null) : null;
}
