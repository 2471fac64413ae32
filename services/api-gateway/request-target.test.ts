import { describe, expect, it } from "vitest";
import { decodedRequestTarget, parseRequestTarget } from "./request-target";

function verdict(check: () => unknown): string {
  try {
    check();
    return "ok";
  } catch (error) {
    return (error as Error).message;
  }
}

describe("the request target", () => {
  it("accepts plain paths and refuses what could escape a domain's prefix", () => {
    const accepted = [
      "/",
      "/api/a",
      "/api/a/",
      "/api/a/b.c",
      "/api/a/..b",
      "/api/a/.b",
      "/a?x=/../",
    ];
    for (const target of accepted)
      expect(
        verdict(() => parseRequestTarget(target)),
        target,
      ).toBe("ok");
    const refused: Array<[string, RegExp]> = [
      ["api/a", /single \//],
      ["//a", /single \//],
      ["/api/./x", /dot segments/],
      ["/api/../x", /dot segments/],
      ["/api/a/..", /dot segments/],
      ["/api/a/.", /dot segments/],
      ["/a//b", /empty segments/],
      ["/a\\b", /encoded/],
      ["/a#b", /fragment/],
      ["/a%2fb", /encoded/],
      ["/a%5Cb", /encoded/],
      ["/a/%2e%2e/b", /dot segments/],
      ["/a%zz", /percent/],
      ["/a?x=%zz", /percent/],
      ["/a\u0001b", /control/],
      ["/a\u0085b", /control/],
      ["/a%01b", /control/],
    ];
    for (const [target, reason] of refused) {
      expect(
        verdict(() => parseRequestTarget(target)),
        target,
      ).toMatch(reason);
    }
  });

  it("answers as the decoding checks do, for any target (its fast path agrees)", () => {
    const alphabet = [
      "/",
      "/",
      "a",
      "b",
      ".",
      "..",
      "%",
      "%2f",
      "%41",
      "%2e",
      "\\",
      "#",
      "?",
      "\u0001",
      "\u0085",
      "é",
      "~",
      "-",
    ];
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let i = 0; i < 20_000; i++) {
      let target = "/";
      const length = next() % 10;
      for (let j = 0; j < length; j++) target += alphabet[next() % alphabet.length];
      const queryAt = target.indexOf("?");
      const pathname = queryAt === -1 ? target : target.slice(0, queryAt);
      const expected = target.startsWith("//")
        ? verdict(() => parseRequestTarget(target))
        : verdict(() => decodedRequestTarget(target, pathname));
      expect(
        verdict(() => parseRequestTarget(target)),
        JSON.stringify(target),
      ).toBe(expected);
    }
  });
});
