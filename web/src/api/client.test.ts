import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  USER_HEADER,
  deleteAutomation,
  getActingUser,
  getFileText,
  getModel,
  patchModel,
  setActingUser,
  userHeaders,
  userNameProblem,
} from "./client";

type Call = { url: string; init: RequestInit };

function fakeFetch(status = 200, body: unknown = {}) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (url: string, init: RequestInit = {}) => {
    calls.push({ url, init });
    return new Response(status === 204 ? null : JSON.stringify(body), { status });
  });
  vi.stubGlobal("fetch", fetch);
  return calls;
}

function headersOf(call: Call): Record<string, string> {
  return call.init.headers as Record<string, string>;
}

describe("the acting user header", () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it("is not sent while nobody is set (the server records anonymous)", async () => {
    const calls = fakeFetch();
    await getModel("m");
    expect(getActingUser()).toBeNull();
    expect(userHeaders()).toEqual({});
    expect(headersOf(calls[0])).not.toHaveProperty(USER_HEADER);
    expect(headersOf(calls[0])["Content-Type"]).toBe("application/json");
  });

  it("is sent on every request once a name is set, trimmed", async () => {
    const calls = fakeFetch();
    expect(setActingUser("  maria  ")).toBe("maria");
    expect(localStorage.getItem("headway.user")).toBe("maria");
    await getModel("m");
    await patchModel("m", { description: "# card" });
    await getFileText("run1", "code/diff.patch");
    expect(calls.map((c) => headersOf(c)[USER_HEADER])).toEqual(["maria", "maria", "maria"]);
    expect(calls[1].init.method).toBe("PATCH");
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ description: "# card" });
  });

  it("goes away when the name is cleared", async () => {
    const calls = fakeFetch();
    setActingUser("maria");
    expect(setActingUser("   ")).toBeNull();
    expect(localStorage.getItem("headway.user")).toBeNull();
    await getModel("m");
    expect(headersOf(calls[0])).not.toHaveProperty(USER_HEADER);
  });

  it("refuses names a header cannot carry, and ignores a stored one", async () => {
    expect(userNameProblem("Zoë O'Brien")).toBeNull();
    expect(userNameProblem("李雷")).toMatch(/HTTP header/);
    expect(userNameProblem("a\tb")).toMatch(/HTTP header/);
    expect(userNameProblem("x".repeat(257))).toMatch(/at most 256/);
    expect(() => setActingUser("李雷")).toThrow(/HTTP header/);
    localStorage.setItem("headway.user", "李雷"); // written by hand or an older version
    const calls = fakeFetch();
    await getModel("m");
    expect(headersOf(calls[0])).not.toHaveProperty(USER_HEADER);
  });

  it("sends it with deletes too, and reads their 204 answer as empty", async () => {
    setActingUser("maria");
    const calls = fakeFetch(204);
    await expect(deleteAutomation(7)).resolves.toBeUndefined();
    expect(calls[0].url).toBe("/api/v1/registry/automations/7");
    expect(calls[0].init.method).toBe("DELETE");
    expect(headersOf(calls[0])[USER_HEADER]).toBe("maria");
  });
});
