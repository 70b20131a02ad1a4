/**
 * A character a terminal may act on instead of showing: C0 (but line feed and tab), DEL, C1, and
 * the bidi controls.
 */
export const RAW_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
