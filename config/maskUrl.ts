/**
 * The one place that decides what of a URL may be printed or logged. Everything that shows an operator a URL
 * (`olnode config check`, config errors, start-up logs, RPC-down warnings, the indexer's log lines) goes
 * through here, so a credential is hidden the same way everywhere:
 * - the password of `user:password@` (the user stays: it is what one checks), or the whole user part of an
 *   http(s)/ws(s) URL, where providers put API keys;
 * - every query value (`?apikey=…`, `?token=…`), keeping the names;
 * - path segments that look like keys (Infura `/v3/<key>`, Alchemy `/v2/<key>`, QuickNode tokens): 16 or more
 *   characters, or 8 or more mixing letters and digits.
 * It works on text that is not a valid URL too (a password with `#` or `/`, a bad port), because the values
 * an operator mistypes are the ones error messages echo.
 */
export const MASK = "***";

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const KEY_LIKE = /^[A-Za-z0-9_~.-]+$/;

function maskSegment(segment: string): string {
  if (!KEY_LIKE.test(segment)) return segment;
  const mixed = /[A-Za-z]/.test(segment) && /\d/.test(segment);
  return segment.length >= 16 || (segment.length >= 8 && mixed) ? MASK : segment;
}

function maskPathAndQuery(rest: string): string {
  const hash = rest.indexOf("#");
  const fragment = hash >= 0 ? MASK : "";
  const beforeHash = hash >= 0 ? rest.slice(0, hash) : rest;
  const q = beforeHash.indexOf("?");
  const path = q >= 0 ? beforeHash.slice(0, q) : beforeHash;
  const query = q >= 0 ? beforeHash.slice(q + 1) : undefined;
  const maskedPath = path.split("/").map(maskSegment).join("/");
  const maskedQuery =
    query === undefined
      ? ""
      : `?${query
          .split("&")
          .map((pair) => {
            const eq = pair.indexOf("=");
            return eq >= 0 ? `${pair.slice(0, eq)}=${MASK}` : pair;
          })
          .join("&")}`;
  return `${maskedPath}${maskedQuery}${fragment ? `#${fragment}` : ""}`;
}

/** A URL (or something meant to be one) with its credentials replaced by `***`. Never throws. */
export function maskUrl(value: string): string {
  const scheme = SCHEME.exec(value)?.[0];
  if (!scheme) return value;
  let rest = value.slice(scheme.length);
  let userinfo = "";
  // The user part ends at the LAST "@": a password may itself hold "@", "#", "/" or "?".
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(":");
    const web = /^(https?|wss?):\/\/$/i.test(scheme);
    if (colon >= 0) userinfo = `${credentials.slice(0, colon)}:${MASK}@`;
    else userinfo = web ? `${MASK}@` : `${credentials}@`;
  }
  const slash = rest.search(/[/?#]/);
  const host = slash >= 0 ? rest.slice(0, slash) : rest;
  const tail = slash >= 0 ? maskPathAndQuery(rest.slice(slash)) : "";
  return `${scheme}${userinfo}${host}${tail}`;
}

// A URL inside free text ends at whitespace, a quote or a backslash (a JSON log line escapes the newline
// after viem's "URL: …" as the two characters \n).
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>\\]+/gi;

/** Free text (an error message, a log line) with every URL in it masked by maskUrl. */
export function maskUrlsInText(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => maskUrl(url));
}
